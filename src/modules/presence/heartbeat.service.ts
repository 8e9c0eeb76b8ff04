/**
 * Heartbeats: the echo of presence/heartbeat, and the sweeper that closes connections which
 * sent no frame for HEARTBEAT_TIMEOUT (dead or half-open peers: a client that stopped reading
 * and writing is indistinguishable from a vanished one). Every connection is swept, logged in
 * or not. The sweeper also copies the transport's `lastFrameAt` into the PresenceStore so other
 * processes see this process's connections as alive.
 *
 * It touches connections only through the registry and the Connection API (closeWithError,
 * destroy): sockets stay the transport's business.
 */
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { PresenceConfig, presenceConfig } from './presence.config';
import { PresenceCommands } from '../../shared/protocol';
import { ConnectionRegistry } from '../../transport/connection-registry';
import { EventPublisher } from '../../transport/event-publisher';
import { HeartbeatTouch, PresenceStore } from './presence-store';
import { PresenceService } from './presence.service';

/** Connection attribute: when the sweeper asked the connection to close (ms). */
const CLOSING_SINCE = 'presence.heartbeatClosingSince';

export interface SweepResult {
  closed: number;
  destroyed: number;
  touched: number;
}

@Injectable()
export class HeartbeatService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Heartbeat');
  private timer?: NodeJS.Timeout;
  /** lastFrameAt last written to the store, per connection, to write only what moved. */
  private readonly written = new Map<string, number>();
  /**
   * A connection asked to close that is still open after this long is destroyed: the timeout
   * capped at 5 s, and never less than a sweep interval (it is checked on sweeps).
   */
  private readonly graceMs: number;

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly publisher: EventPublisher,
    private readonly store: PresenceStore,
    private readonly presence: PresenceService,
    @InjectConfig(presenceConfig) private readonly config: PresenceConfig,
  ) {
    this.graceMs = Math.max(config.sweepIntervalMs, Math.min(config.heartbeatTimeoutMs, 5000));
  }

  onModuleInit(): void {
    this.timer = setInterval(() => this.sweep(), this.config.sweepIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Echoes a heartbeat to the connection it came from, with the same seq (RTT measurement). */
  echo(connectionId: string, seq: number): Promise<void> {
    return this.publisher.toConnections([connectionId], PresenceCommands.HEARTBEAT.name, { seq }, { priority: 'high' });
  }

  sweep(now = Date.now()): SweepResult {
    const result: SweepResult = { closed: 0, destroyed: 0, touched: 0 };
    const touches: HeartbeatTouch[] = [];
    for (const conn of this.registry.all()) {
      if (conn.closed) continue;
      const closingSince = conn.attributes.get(CLOSING_SINCE) as number | undefined;
      if (closingSince !== undefined) {
        // Half-open: the peer neither reads our FIN nor answers; free the socket ourselves.
        if (now - closingSince >= this.graceMs) {
          conn.destroy();
          result.destroyed++;
        }
        continue;
      }
      const lastFrame = conn.lastFrameAt || conn.connectedAt;
      if (now - lastFrame > this.config.heartbeatTimeoutMs) {
        conn.attributes.set(CLOSING_SINCE, now);
        conn.closeWithError(
          'HEARTBEAT_TIMEOUT',
          `no frame for ${this.config.heartbeatTimeoutMs / 1000} s; send presence/heartbeat every ${this.config.heartbeatIntervalS} s`,
        );
        result.closed++;
        continue;
      }
      if (conn.userId !== undefined && conn.lastFrameAt > (this.written.get(conn.id) ?? 0)) {
        this.written.set(conn.id, conn.lastFrameAt);
        touches.push({ userId: conn.userId, connectionId: conn.id, at: conn.lastFrameAt });
      }
    }
    for (const id of this.written.keys()) if (!this.registry.get(id)) this.written.delete(id);
    if (touches.length > 0) {
      result.touched = touches.length;
      // Entries the store lost (Redis flushed or restarted empty) come back on the next heartbeat.
      void this.store
        .touch(touches)
        .then((missing) => {
          if (missing.length > 0) this.logger.warn(`presence: ${this.presence.restore(missing)} connection(s) missing from the store were registered again`);
        })
        .catch((err: Error) => this.logger.warn(`heartbeat touch failed: ${err.message}`));
    }
    return result;
  }
}

/**
 * Graceful drain, in the order a rolling deploy needs it:
 *   1. mark not-ready (/health/ready → 503), keep serving for DRAIN_LB_DELAY_MS so a load
 *      balancer takes the node out, then stop accepting TCP connections;
 *   2. tell every connection `control/error {error_code: SERVER_DRAINING, retry_after_ms}` so
 *      clients reconnect elsewhere; new requests on open connections get SERVER_DRAINING too;
 *   3. let in-flight requests finish, up to SHUTDOWN_TIMEOUT_MS, and wait until clients stopped
 *      sending (a short quiet period), so every frame they sent gets an answer;
 *   4. end every connection gracefully (queued responses are flushed before the FIN).
 * The caller then closes the app (TypeORM's destroy closes the database cleanly).
 */
import { Injectable, Logger } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { LifecycleConfig, lifecycleConfig } from '../../config/lifecycle.config';
import { ControlCommands } from '../../shared/protocol';
import { ConnectionRegistry } from '../../transport/connection-registry';
import { SwitchboardServer } from '../../transport/switchboard.server';

export type LifecycleState = 'running' | 'draining' | 'drained';

export interface DrainResult {
  /** True when every in-flight request finished before the timeout. */
  idle: boolean;
  /** Connections that were told to reconnect. */
  notified: number;
  durationMs: number;
}

/** Upper bound for the final flush of each connection after the requests are done. */
const FLUSH_GRACE_MS = 2000;
/**
 * Connections are ended only once no frame arrived for this long: a client still pipelining when
 * the notice went out gets a response (SERVER_DRAINING) for every frame instead of losing the
 * ones that would arrive after the FIN.
 */
const QUIET_MS = 250;

@Injectable()
export class DrainService {
  private readonly logger = new Logger('Drain');
  private current: LifecycleState = 'running';
  private draining?: Promise<DrainResult>;

  constructor(
    @InjectConfig(lifecycleConfig) private readonly config: LifecycleConfig,
    private readonly server: SwitchboardServer,
    private readonly connections: ConnectionRegistry,
  ) {}

  get state(): LifecycleState {
    return this.current;
  }

  get isDraining(): boolean {
    return this.current !== 'running';
  }

  /** Starts the drain (idempotent: a second call returns the same promise). */
  drain(timeoutMs = this.config.shutdownTimeoutMs): Promise<DrainResult> {
    this.draining ??= this.run(timeoutMs);
    return this.draining;
  }

  private async run(timeoutMs: number): Promise<DrainResult> {
    const started = Date.now();
    this.current = 'draining';
    this.logger.log(
      `draining: ${this.connections.size} connection(s), ${this.server.inFlight} request(s) in flight, timeout ${timeoutMs} ms`,
    );
    // Not-ready first (the state above), still serving: a load balancer polling /health/ready
    // stops sending new clients here before the listeners close and clients are told to move.
    const lbDelay = Math.min(this.config.lbDelayMs, timeoutMs);
    if (lbDelay > 0) await new Promise((resolve) => setTimeout(resolve, lbDelay));
    // Listeners close now (new connections are refused at once); the returned promise only
    // settles once every existing connection is gone, so it is not awaited here.
    void this.server.stopAccepting(this.config.retryAfterMs);
    const notice = {
      status: 503,
      error_code: 'SERVER_DRAINING',
      error_message: `server is shutting down; reconnect after retry_after_ms (${this.config.retryAfterMs} ms) and retry`,
      retry_after_ms: this.config.retryAfterMs,
    };
    let notified = 0;
    for (const conn of this.connections.all()) {
      if (conn.sendEvent(ControlCommands.ERROR.name, notice, { priority: 'high' })) notified++;
    }
    const idle = await this.settle(started + timeoutMs);
    if (!idle)
      this.logger.warn(
        `drain timeout: ${this.server.inFlight} request(s) still in flight after ${timeoutMs} ms`,
      );
    await this.endConnections(
      Math.min(FLUSH_GRACE_MS, Math.max(100, timeoutMs - (Date.now() - started))),
    );
    this.current = 'drained';
    const result = { idle, notified, durationMs: Date.now() - started };
    this.logger.log(
      `drained in ${result.durationMs} ms (${idle ? 'all requests answered' : 'timed out'})`,
    );
    return result;
  }

  /**
   * Waits until no request is in flight and no connection sent a frame for QUIET_MS, or until
   * the deadline. Returns false when requests were still in flight at the deadline.
   */
  private async settle(deadline: number): Promise<boolean> {
    // Counted from the drain's start at the earliest: while a busy event loop ran handlers,
    // frames may be waiting unread in the socket; they get their poll phase during this window.
    const since = Date.now();
    for (;;) {
      const idle = await this.server.whenIdle(Math.max(0, deadline - Date.now()));
      if (!idle) return false;
      let lastFrameAt = since;
      for (const conn of this.connections.all())
        lastFrameAt = Math.max(lastFrameAt, conn.lastFrameAt);
      const quietFor = Date.now() - lastFrameAt;
      const remaining = deadline - Date.now();
      if (quietFor >= QUIET_MS || remaining <= 0) return this.server.inFlight === 0;
      await new Promise((resolve) => setTimeout(resolve, Math.min(QUIET_MS - quietFor, remaining)));
    }
  }

  /** Ends every connection after flushing its queue; waits for the sockets to close (bounded). */
  private async endConnections(graceMs: number): Promise<void> {
    const open = [...this.connections.all()].filter((c) => !c.closed);
    if (open.length === 0) return;
    await new Promise<void>((resolve) => {
      let pending = open.length;
      const timer = setTimeout(resolve, graceMs);
      for (const conn of open) {
        conn.socket.once('close', () => {
          if (--pending === 0) {
            clearTimeout(timer);
            resolve();
          }
        });
        conn.end();
      }
    });
  }
}

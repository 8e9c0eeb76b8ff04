/**
 * Cluster membership for presence (multi-node, REDIS_URL set). Every NODE_LIVENESS_TTL_MS / 3
 * this node:
 *   1. refreshes its liveness key; if the key had vanished, the store lost this node's data
 *      (Redis restarted empty, flushed, failed over, or the key expired during an outage), so
 *      every live connection of this node is written back at once;
 *   2. looks for nodes whose liveness key expired (crashed, killed, cut off from Redis) and, if it
 *      wins the claim, removes their connections: their users are announced offline by the usual
 *      debounced presence/event (unless online elsewhere).
 * A node only reaps others after it has itself been connected for a full TTL: after a Redis
 * outage every key may have expired, and the other nodes need one refresh to re-appear.
 * Single-process stores implement the membership calls as no-ops.
 */
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { PresenceConfig, presenceConfig } from './presence.config';
import { PresenceStore } from './presence-store';
import { PresenceService } from './presence.service';

export const PRESENCE_NODE_ID = Symbol('PRESENCE_NODE_ID');

@Injectable()
export class NodeLivenessService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('NodeLiveness');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  /** Since when the store answered every refresh (undefined: not connected). */
  private connectedSince?: number;
  private stopped = false;
  /** Counters for tests and metrics. */
  reassertions = 0;
  reaped = 0;

  constructor(
    @Inject(PRESENCE_NODE_ID) readonly nodeId: string,
    private readonly store: PresenceStore,
    private readonly presence: PresenceService,
    @InjectConfig(presenceConfig) private readonly config: PresenceConfig,
  ) {}

  onModuleInit(): void {
    const every = Math.max(100, Math.floor(this.config.nodeLivenessTtlMs / 3));
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
    void this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One round (also called by tests). Never rejects; overlapping calls share the round. */
  tick(): Promise<void> {
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  private async round(): Promise<void> {
    if (this.stopped) return;
    const ttl = this.config.nodeLivenessTtlMs;
    let existed: boolean;
    try {
      existed = await this.store.refreshNode(this.nodeId, ttl);
    } catch (err) {
      if (this.connectedSince !== undefined) this.logger.warn(`liveness refresh failed (store unreachable): ${(err as Error).message}`);
      this.connectedSince = undefined;
      return;
    }
    const now = Date.now();
    this.connectedSince ??= now;
    if (!existed) {
      const n = this.presence.reassertAll();
      this.reassertions++;
      if (n > 0) this.logger.warn(`this node's presence entries were gone (Redis lost its data or the key expired): ${n} connection(s) registered again`);
    }
    if (now - this.connectedSince < ttl) return;
    try {
      for (const node of await this.store.deadNodes(this.nodeId)) {
        const connections = await this.store.claimDeadNode(node, ttl);
        if (connections.length === 0) continue;
        this.reaped += connections.length;
        this.logger.warn(`node ${node} stopped refreshing its liveness key: announcing its ${connections.length} connection(s) offline`);
        this.presence.reapRemote(connections);
      }
    } catch (err) {
      this.logger.warn(`dead-node check failed: ${(err as Error).message}`);
    }
  }
}

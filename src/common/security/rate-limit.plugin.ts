/**
 * Request rate limits, checked in the transport before Nest's pipeline (a refused frame costs a
 * map lookup and no handler work):
 * - one token bucket per connection for requests and client events;
 * - one per user, shared by all of that user's connections on this process, and across nodes
 *   through Redis when REDIS_URL is set (cluster-rate-limit.ts: reported in batches, never a
 *   Redis round trip per frame);
 * - presence/heartbeat uses its own small per-connection bucket, so a client that is being
 *   throttled for requests still keeps its presence alive, and heartbeats cannot flood either.
 * A refused frame gets 429 RATE_LIMITED with `retry_after_ms`. A client that keeps sending after
 * `floodStrikes` consecutive 429s is told with control/error RATE_LIMITED and disconnected.
 */
import { Injectable, Logger, Optional } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { SecurityConfig, securityConfig } from '../../config/security.config';
import { PresenceCommands, ProtocolError } from '../../shared/protocol';
import type { Connection } from '../../transport/connection';
import { PluginOrder, type TransportPlugin } from '../../transport/transport-plugin';
import { ClusterRateLimit } from './cluster-rate-limit';
import { TokenBucket } from './token-bucket';

const STATE = 'security.rateLimit';
/** Sweep idle per-user buckets once the map grows past this many entries. */
const USER_SWEEP_THRESHOLD = 10_000;

interface ConnectionRateState {
  requests?: TokenBucket;
  heartbeats?: TokenBucket;
  /** Consecutive frames refused with 429. */
  strikes: number;
  closing: boolean;
  /** The user this connection last sent as (the registry clears conn.userId before onClose). */
  userId?: string;
}

@Injectable()
export class RateLimitPlugin implements TransportPlugin {
  readonly name = 'rate-limit';
  readonly order = PluginOrder.LIMIT;
  private readonly logger = new Logger('RateLimit');
  private readonly users = new Map<string, TokenBucket>();
  /** Frames refused with 429 since start (ops/metrics). */
  limited = 0;
  floodCloses = 0;

  constructor(
    @InjectConfig(securityConfig) private readonly config: SecurityConfig,
    @Optional() private readonly cluster?: ClusterRateLimit,
  ) {}

  get enabled(): boolean {
    const { connection, user, heartbeat } = this.config.rateLimit;
    return !!(connection || user || heartbeat);
  }

  onConnect(conn: Connection): void {
    const { connection, heartbeat } = this.config.rateLimit;
    const state: ConnectionRateState = {
      requests: connection && new TokenBucket(connection),
      heartbeats: heartbeat && new TokenBucket(heartbeat),
      strikes: 0,
      closing: false,
    };
    conn.attributes.set(STATE, state);
  }

  /** Per-user buckets currently held (bounded: full buckets are forgotten). */
  get userBuckets(): number {
    return this.users.size;
  }

  onClose(conn: Connection): void {
    // The per-user bucket must outlive a single connection (reconnecting must not reset it), so
    // it is only forgotten once it has refilled completely; the rest go in the next sweep.
    const userId = (conn.attributes.get(STATE) as ConnectionRateState | undefined)?.userId;
    if (userId && this.users.get(userId)?.isFull()) this.users.delete(userId);
  }

  onInbound(conn: Connection, _envelope: unknown, command: string): void {
    const state = conn.attributes.get(STATE) as ConnectionRateState | undefined;
    if (!state) return;
    const now = Date.now();
    let wait: number;
    if (command === PresenceCommands.HEARTBEAT.name) {
      wait = state.heartbeats?.waitMs(now) ?? 0;
      if (wait === 0) state.heartbeats?.consume();
    } else {
      state.userId = conn.userId;
      const userBucket = conn.userId ? this.userBucket(conn.userId, now) : undefined;
      // Both buckets must have a token; neither is charged for a refused frame.
      wait = Math.max(state.requests?.waitMs(now) ?? 0, userBucket?.waitMs(now) ?? 0);
      if (wait === 0) {
        state.requests?.consume();
        userBucket?.consume();
      }
    }
    if (wait === 0) {
      state.strikes = 0;
      return;
    }
    this.limited++;
    state.strikes++;
    const { floodStrikes } = this.config.rateLimit;
    if (floodStrikes > 0 && state.strikes >= floodStrikes && !state.closing) this.closeFlooder(conn, state, wait);
    throw new ProtocolError(
      'RATE_LIMITED',
      `too many requests on this ${conn.userId ? 'connection or account' : 'connection'}; retry after ${wait} ms`,
      429,
      { retry_after_ms: wait },
    );
  }

  private userBucket(userId: string, now: number): TokenBucket | undefined {
    const spec = this.config.rateLimit.user;
    if (!spec) return undefined;
    let bucket = this.users.get(userId);
    if (!bucket) {
      if (this.users.size >= USER_SWEEP_THRESHOLD) this.sweepUsers(now);
      bucket = this.cluster?.enabled ? this.cluster.userBucket(userId, spec, now) : new TokenBucket(spec, now);
      this.users.set(userId, bucket);
    }
    return bucket;
  }

  private sweepUsers(now: number): void {
    for (const [userId, bucket] of this.users) if (bucket.isFull(now)) this.users.delete(userId);
  }

  private closeFlooder(conn: Connection, state: ConnectionRateState, wait: number): void {
    state.closing = true;
    this.floodCloses++;
    this.logger.warn(`closing connection ${conn.id} (${conn.remoteAddress}, user ${conn.userId ?? '-'}): ${state.strikes} consecutive rate-limited frames`);
    // Stop reading now; the 429 for the current frame is written first (the transport answers
    // after this hook throws), then control/error, then FIN.
    conn.socket.pause();
    const strikes = state.strikes;
    setImmediate(() =>
      conn.closeWithError(
        'RATE_LIMITED',
        `connection closed after ${strikes} consecutive rate-limited frames; wait retry_after_ms after a 429 before sending again`,
        { status: 429, retry_after_ms: wait },
      ),
    );
  }
}

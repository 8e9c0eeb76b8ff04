/**
 * Cluster-wide per-user rate limits (REDIS_URL set and RATE_LIMIT_SYNC_MS > 0).
 *
 * A frame never waits for Redis: each node keeps its local view of a user's bucket and admits or
 * refuses from it (the same few arithmetic operations as a per-node bucket). Every
 * RATE_LIMIT_SYNC_MS one script call per node reports the tokens spent since the last report by
 * each user who sent anything, and takes back the cluster-wide level of those users' buckets. The
 * shared bucket in Redis (`<prefix>rl:u:<user>`: level + time, refilled with Redis's clock, so
 * node clocks do not matter) may go negative: what several nodes admitted from stale views in
 * the same interval becomes a debt every node sees at its next report and that is repaid before
 * the user is served again. So the combined rate converges to the configured rate, and a user
 * with connections on N nodes can get at most about (N-1) x (burst + rate x (interval + RTT))
 * more than a single node would allow, once per burst (docs/operations.md, "Rate limits").
 *
 * Redis unreachable: reports fail fast (no offline queue, a command timeout) and are dropped;
 * every node keeps enforcing its local view, refilling at the full rate: per-node limits (fail
 * open to the single-node budget, never a 500 or 503 for a rate check). The next report that
 * succeeds takes the cluster-wide level back.
 */
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { BucketSpec } from '../../config/security.config';
import { RedisConfig, redisConfig } from '../../config/redis.config';
import { SecurityConfig, securityConfig } from '../../config/security.config';
import { closeRedis, createRedisClient } from '../../infra/redis-client';
import { TokenBucket } from './token-bucket';

/**
 * KEYS: bucket keys. ARGV[1] rate (tokens/s), ARGV[2] burst, ARGV[2+i] tokens spent on KEYS[i].
 * Refills each bucket by Redis's own clock, charges it (the level may go negative: a debt), keeps
 * it until it would be full again (a missing key IS a full bucket), returns the levels.
 */
const SYNC = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local out = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('HMGET', key, 'l', 't')
  local level = tonumber(v[1]) or burst
  local at = tonumber(v[2]) or now
  if now > at then level = math.min(burst, level + (now - at) * rate / 1000) end
  level = level - tonumber(ARGV[i + 2])
  redis.call('HSET', key, 'l', tostring(level), 't', now)
  redis.call('PEXPIRE', key, math.ceil((burst - level) * 1000 / rate) + 1000)
  out[i] = tostring(level)
end
return out
`;

/** Keys per script call: bounds how long one call holds Redis (~1-2 µs per key). */
const CHUNK = 1000;

/** A user's bucket as this node sees it; spent tokens are reported to the shared one in batches. */
export class SharedTokenBucket extends TokenBucket {
  /** Tokens taken here and not yet reported. */
  unreported = 0;

  constructor(
    spec: BucketSpec,
    now: number,
    readonly key: string,
    private readonly onFirstCharge: (bucket: SharedTokenBucket) => void,
  ) {
    super(spec, now);
  }

  override consume(): void {
    this.tokens -= 1;
    // The first charge since the last report puts the bucket on the next report's list.
    if (this.unreported++ === 0) this.onFirstCharge(this);
  }

  /**
   * Takes the cluster-wide level returned by a report. Tokens taken here while the report was
   * in flight are not in it yet (they go in the next report), so they are subtracted now.
   */
  adopt(level: number, now: number): void {
    this.tokens = Math.min(this.spec.burst, level - this.unreported);
    this.last = now;
  }

  /** The local view's level (tests, ops). */
  level(now: number = Date.now()): number {
    this.refill(now);
    return this.tokens;
  }
}

@Injectable()
export class ClusterRateLimit implements OnModuleDestroy {
  private readonly logger = new Logger('RateLimit');
  private readonly redis?: Redis;
  private readonly prefix: string;
  private readonly spec?: BucketSpec;
  private readonly dirty = new Set<SharedTokenBucket>();
  private readonly markDirty = (bucket: SharedTokenBucket) => void this.dirty.add(bucket);
  private timer?: NodeJS.Timeout;
  private reporting?: Promise<void>;
  /** True after a failed report until one succeeds: limits are per node meanwhile. */
  degraded = false;
  /** Set once connected: reports dropped while still connecting at start are not an outage worth a warning. */
  private connectedOnce = false;
  private warned = false;
  reports = 0;
  failedReports = 0;

  constructor(@Inject(securityConfig.token) config: SecurityConfig, @Inject(redisConfig.token) redis: RedisConfig) {
    this.prefix = `${redis.keyPrefix}rl:u:`;
    const { user, syncMs } = config.rateLimit;
    if (!redis.url || !user || syncMs <= 0) return;
    this.spec = user;
    // Fail fast during an outage: a report queued behind a reconnect would only grow stale.
    this.redis = createRedisClient(redis.url, {
      name: 'rate-limit',
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: Math.max(500, syncMs * 5),
    });
    this.redis.once('ready', () => (this.connectedOnce = true));
    this.timer = setInterval(() => void this.report(), syncMs);
    this.timer.unref();
  }

  /** True when per-user buckets are shared through Redis. */
  get enabled(): boolean {
    return this.redis !== undefined;
  }

  /** A new local view of `userId`'s shared bucket (only when enabled). */
  userBucket(userId: string, spec: BucketSpec, now: number): SharedTokenBucket {
    return new SharedTokenBucket(spec, now, this.prefix + userId, this.markDirty);
  }

  /** Resolves once the Redis connection is up (tests; reports before that are dropped). */
  async ready(): Promise<void> {
    if (this.redis && this.redis.status !== 'ready') await new Promise((resolve) => this.redis!.once('ready', resolve));
  }

  /** Users with unreported tokens. */
  get pending(): number {
    return this.dirty.size;
  }

  /** Reports spent tokens now (the timer calls it; tests too). Resolves when the report settled. */
  report(): Promise<void> {
    if (!this.reporting && this.dirty.size > 0 && this.redis) {
      this.reporting = this.send().finally(() => (this.reporting = undefined));
    }
    return this.reporting ?? Promise.resolve();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.reporting;
    if (this.redis) await closeRedis(this.redis);
  }

  private async send(): Promise<void> {
    const batch = [...this.dirty];
    this.dirty.clear();
    const spent = batch.map((b) => {
      const n = b.unreported;
      b.unreported = 0;
      return n;
    });
    const { ratePerSecond, burst } = this.spec!;
    try {
      // Not connected (starting, or reconnecting after an outage): without an offline queue the
      // call would fail anyway; say so without a stack.
      if (this.redis!.status !== 'ready') throw new Error(`connection ${this.redis!.status}`);
      for (let i = 0; i < batch.length; i += CHUNK) {
        const keys = batch.slice(i, i + CHUNK);
        const levels = (await this.redis!.eval(SYNC, keys.length, ...keys.map((b) => b.key), ratePerSecond, burst, ...spent.slice(i, i + CHUNK))) as string[];
        const now = Date.now();
        keys.forEach((bucket, k) => bucket.adopt(Number(levels[k]), now));
      }
      this.reports++;
      if (this.degraded && this.warned) this.logger.log('Redis reachable again: per-user rate limits are cluster-wide again');
      this.degraded = false;
      this.warned = false;
    } catch (err) {
      // The tokens were already charged to the local views; dropping the report only means the
      // other nodes do not see them (per-node limits for the outage).
      this.failedReports++;
      if (!this.warned && this.connectedOnce) {
        this.logger.warn(`cannot report rate-limit usage to Redis (${(err as Error).message}): per-user limits are per node until it is reachable`);
        this.warned = true;
      }
      this.degraded = true;
    }
  }
}

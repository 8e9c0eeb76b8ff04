/**
 * The replay store the signature guard talks to: the bounded in-process ReplayCache, plus, when
 * REDIS_URL is set, a Redis key per id so a frame replayed to ANOTHER node is detected too.
 *
 * The local cache always runs first: it enforces the memory bound and the per-connection share
 * whatever Redis holds, and answers replays on the same node without a round trip. Redis keys
 * (`<REDIS_KEY_PREFIX>replay:<id>`) follow the same reserve → settle protocol: `SET NX PX` with a
 * pending token, then (only if still ours) "final" keeping the TTL, or DEL to release. If Redis
 * cannot be reached, new signed requests are refused with 503 UNAVAILABLE (fail closed).
 */
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { RedisConfig, redisConfig } from '../../config/redis.config';
import { SecurityConfig, securityConfig } from '../../config/security.config';
import { ProtocolError } from '../../shared/protocol';
import { closeRedis, createRedisClient } from '../../infra/redis-client';
import { ReplayCache, ReserveOutcome } from './replay-cache';

// KEYS[1] = id key. ARGV: pending token, ttl ms. Returns "OK" when reserved, else the value held.
const RESERVE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 'OK' end
return redis.call('GET', KEYS[1]) or 'OK'
`;
// KEYS[1] = id key. ARGV: pending token, "1" to make final / "0" to release.
const SETTLE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '1' then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('SET', KEYS[1], 'f', 'PX', ttl) end
else
  redis.call('DEL', KEYS[1])
end
return 1
`;

const PROCESS_TAG = randomBytes(4).toString('hex');

@Injectable()
export class ReplayStore implements OnModuleDestroy {
  private readonly logger = new Logger('ReplayStore');
  readonly cache: ReplayCache;
  private readonly redis?: Redis;
  private readonly prefix: string;
  /** Pending Redis reservations of this process: id → token (bounded by requests in flight). */
  private readonly tokens = new Map<string, string>();
  private counter = 0;

  constructor(
    @Inject(securityConfig.token) config: SecurityConfig,
    @Inject(redisConfig.token) redis: RedisConfig,
  ) {
    const { windowSeconds, replayCache } = config.signature;
    this.cache = new ReplayCache({ windowMs: windowSeconds * 1000, maxEntries: replayCache.maxEntries, maxPerOwner: replayCache.maxPerConnection });
    this.prefix = `${redis.keyPrefix}replay:`;
    if (redis.url && config.signature.mode !== 'off') {
      this.redis = createRedisClient(redis.url, { name: `replay-${PROCESS_TAG}`, maxRetriesPerRequest: 1, onError: (err) => this.logger.warn(`Redis: ${err.message}`) });
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.redis) await closeRedis(this.redis);
  }

  retryAfterMs(): number {
    return this.cache.retryAfterMs();
  }

  /**
   * Reserves `id` for `owner` (a connection). `final` records it as final at once (client events,
   * which have no response to settle with).
   */
  reserve(id: string, timestampMs: number, owner: string, final = false): ReserveOutcome | Promise<ReserveOutcome> {
    const now = Date.now();
    const local = this.cache.reserve(id, timestampMs, owner, now);
    if (local !== 'reserved') return local;
    if (!this.redis) {
      if (final) this.cache.settle(id, true);
      return 'reserved';
    }
    return this.reserveRemote(id, Math.max(timestampMs, now) + this.cache.limits.windowMs - now, final);
  }

  private async reserveRemote(id: string, ttl: number, final: boolean): Promise<ReserveOutcome> {
    const token = `p:${PROCESS_TAG}:${(++this.counter).toString(36)}`;
    let held: unknown;
    try {
      held = await this.redis!.eval(RESERVE, 1, this.prefix + id, token, String(ttl));
    } catch {
      this.cache.settle(id, false);
      throw new ProtocolError('UNAVAILABLE', 'replay protection is unavailable (Redis cannot be reached); retry later', 503, { retry_after_ms: 1000 });
    }
    if (held !== 'OK') {
      this.cache.settle(id, false);
      return held === 'f' ? 'seen' : 'in-progress';
    }
    if (final) {
      this.settleRemote(id, token, true);
      this.cache.settle(id, true);
    } else {
      this.tokens.set(id, token);
    }
    return 'reserved';
  }

  /** Settles a reservation with the request's outcome: success → final, otherwise released. */
  settle(id: string, final: boolean): void {
    this.cache.settle(id, final);
    const token = this.tokens.get(id);
    if (token === undefined) return;
    this.tokens.delete(id);
    this.settleRemote(id, token, final);
  }

  private settleRemote(id: string, token: string, final: boolean): void {
    // A failed settle leaves the key pending until its TTL: the id stays refused (fail closed).
    this.redis!.eval(SETTLE, 1, this.prefix + id, token, final ? '1' : '0').catch((err: Error) =>
      this.logger.warn(`could not settle replay id in Redis: ${err.message}`),
    );
  }
}

/**
 * The login limiter shared by every server process through Redis (chosen when REDIS_URL is set),
 * with the same rules as InMemoryLoginLimiter: failures counted in a sliding window per
 * (address, username), per username and per address; reaching a threshold sets a lock key whose
 * TTL doubles with each further lock. Each key's update is one Lua script, so concurrent failures
 * on several nodes cannot both miss the threshold. Keys of one counter share a hash tag (Cluster).
 */
import { closeRedis } from '../../infra/redis-client';
import { Logger, OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { AuthConfig } from './auth.config';
import { attemptCounters, LoginAttemptKey, LoginLimiter, pairCounterId } from './login-limiter';

// KEYS: failures zset, lock-count, lock. ARGV: now, window, max, lockMs, maxLockMs, quietMs, member.
const RECORD_FAILURE = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZADD', KEYS[1], now, ARGV[7])
redis.call('PEXPIRE', KEYS[1], window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) and redis.call('PTTL', KEYS[3]) <= 0 then
  local locks = tonumber(redis.call('GET', KEYS[2]) or '0')
  local duration = math.min(tonumber(ARGV[5]), tonumber(ARGV[4]) * (2 ^ locks))
  redis.call('SET', KEYS[3], '1', 'PX', duration)
  redis.call('SET', KEYS[2], locks + 1, 'PX', duration + tonumber(ARGV[6]))
  redis.call('DEL', KEYS[1])
end
return 1
`;

export class RedisLoginLimiter extends LoginLimiter implements OnModuleDestroy {
  private readonly logger = new Logger('LoginLimiter');

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly config: AuthConfig,
  ) {
    super();
  }

  async onModuleDestroy(): Promise<void> {
    await closeRedis(this.redis);
  }

  async retryAfterMs(key: LoginAttemptKey): Promise<number> {
    const ttls = await Promise.all(attemptCounters(key, this.config.login).map((k) => this.redis.pttl(this.redisKey(k.id, 'lock'))));
    return Math.max(0, ...ttls);
  }

  async recordFailure(key: LoginAttemptKey): Promise<void> {
    const { windowMs, lockMs, maxLockMs } = this.config.login;
    const now = Date.now();
    const member = `${now}-${randomBytes(4).toString('hex')}`;
    await Promise.all(
      attemptCounters(key, this.config.login).map((k) =>
        this.redis.eval(
          RECORD_FAILURE,
          3,
          this.redisKey(k.id, 'fail'),
          this.redisKey(k.id, 'locks'),
          this.redisKey(k.id, 'lock'),
          now,
          windowMs,
          k.max,
          lockMs,
          maxLockMs,
          Math.max(maxLockMs, windowMs),
          member,
        ),
      ),
    );
  }

  async recordSuccess(key: LoginAttemptKey): Promise<void> {
    await this.redis.del(this.redisKey(pairCounterId(key), 'fail'));
  }


  private redisKey(id: string, part: 'fail' | 'locks' | 'lock'): string {
    return `${this.prefix}login:{${id}}:${part}`;
  }

  /** Logged once per error burst by ioredis' 'error' event (see the module factory). */
  warn(err: Error): void {
    this.logger.warn(`redis: ${err.message}`);
  }
}

import { IsOptional, Matches } from 'class-validator';
import { defineConfig } from './config.util';

class RedisEnv {
  /**
   * redis://[:password@]host:6379[/db] (or rediss:// for TLS). Unset means single-node: the
   * in-process event bus and presence store are used and /health/ready skips the Redis check.
   */
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, {
    message: 'must be a redis:// or rediss:// URL, or unset for single-node mode',
  })
  REDIS_URL?: string;

  /** Prefix of every key and channel, so several deployments can share one Redis. */
  @Matches(/^[A-Za-z0-9:_.-]{0,64}$/, {
    message: 'must be up to 64 characters of letters, digits, ":", "_", "." or "-"',
  })
  REDIS_KEY_PREFIX = 'sb:';
}

export const redisConfig = defineConfig('redis', RedisEnv, (env) => ({
  url: env.REDIS_URL,
  keyPrefix: env.REDIS_KEY_PREFIX,
}));
export type RedisConfig = ReturnType<typeof redisConfig.parse>;

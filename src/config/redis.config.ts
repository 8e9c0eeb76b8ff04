import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
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

  /**
   * The cluster bus's outage bound: a Redis outage (or a node cut off from Redis) shorter than
   * this delays cross-node pushes but loses none; beyond it the oldest are dropped and clients
   * get control/resync. Also how long entries stay in the stream.
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of milliseconds between 1000 and 3600000' })
  @Min(1000, { message: 'must be an integer number of milliseconds between 1000 and 3600000' })
  @Max(3_600_000, { message: 'must be an integer number of milliseconds between 1000 and 3600000' })
  BUS_RETENTION_MS = 60_000;

  /** Entries kept in the bus stream (approximate trim), whatever their age. */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer >= 1000' })
  @Min(1000, { message: 'must be an integer >= 1000' })
  BUS_STREAM_MAX_LEN = 100_000;

  /** Pushes a node buffers in memory while Redis is unreachable (oldest dropped beyond it). */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer >= 100' })
  @Min(100, { message: 'must be an integer >= 100' })
  BUS_BUFFER_MAX = 100_000;
}

export const redisConfig = defineConfig('redis', RedisEnv, (env) => ({
  url: env.REDIS_URL,
  keyPrefix: env.REDIS_KEY_PREFIX,
  bus: { retentionMs: env.BUS_RETENTION_MS, streamMaxLen: env.BUS_STREAM_MAX_LEN, bufferMax: env.BUS_BUFFER_MAX },
}));
export type RedisConfig = ReturnType<typeof redisConfig.parse>;

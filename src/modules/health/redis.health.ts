/**
 * Redis reachability for /health/ready when REDIS_URL is set. Uses its own small connection
 * (no offline queue, one retry) so a dead Redis answers "down" quickly instead of queueing the
 * PING, and the check never interferes with the event bus's or presence store's connections.
 */
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { createRedisClient } from '../../infra/redis-client';
import { InjectConfig } from '../../config/config.util';
import { RedisConfig, redisConfig } from '../../config/redis.config';

@Injectable()
export class RedisHealthIndicator implements OnModuleDestroy {
  private client?: Redis;

  constructor(
    @InjectConfig(redisConfig) private readonly config: RedisConfig,
    private readonly indicators: HealthIndicatorService,
  ) {}

  get configured(): boolean {
    return this.config.url !== undefined;
  }

  pingCheck(key: string, timeoutMs = 1000) {
    return this.indicators
      .check(key)
      .attempt(async () => {
        const reply = await this.connection().ping();
        if (reply !== 'PONG') throw new Error(`unexpected PING reply ${reply}`);
      })
      .withTimeout(timeoutMs);
  }

  private connection(): Redis {
    // Errors surface through the failed PING (the factory's default error listener drops them).
    this.client ??= createRedisClient(this.config.url!, {
      name: 'health',
      enableOfflineQueue: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 1000,
      // Keep trying in the background (capped back-off) so readiness recovers with Redis.
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    return this.client;
  }

  onModuleDestroy(): void {
    this.client?.disconnect();
    this.client = undefined;
  }
}

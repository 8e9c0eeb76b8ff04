/**
 * The transport as DI providers: the strategy itself (so services and ops code can reach it),
 * the connection registry and the event-bus port (in-process, or Redis when REDIS_URL is set)
 * with its local delivery.
 */
import { Global, Module } from '@nestjs/common';
import { RedisConfig, redisConfig } from '../config/redis.config';
import { ConnectionRegistry } from './connection-registry';
import { EventBus, InProcessEventBus } from './event-bus';
import { EventPublisher } from './event-publisher';
import { LocalDelivery } from './local-delivery';
import { RedisEventBus } from './redis-event-bus';
import { SwitchboardServer } from './switchboard.server';

@Global()
@Module({
  providers: [
    SwitchboardServer,
    ConnectionRegistry,
    {
      // REDIS_URL set → a Redis Stream so pushes reach connections on every node and survive a
      // Redis outage up to BUS_RETENTION_MS; otherwise the in-process bus (single node, the
      // embedded default).
      provide: EventBus,
      inject: [redisConfig.token],
      useFactory: async (redis: RedisConfig): Promise<EventBus> =>
        redis.url ? new RedisEventBus({ url: redis.url, keyPrefix: redis.keyPrefix, ...redis.bus }).connect() : new InProcessEventBus(),
    },
    EventPublisher,
    LocalDelivery,
  ],
  exports: [SwitchboardServer, ConnectionRegistry, EventBus, EventPublisher, LocalDelivery],
})
export class TransportModule {}

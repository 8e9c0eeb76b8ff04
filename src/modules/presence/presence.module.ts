/**
 * Presence: heartbeats (echo + sweeper), per-connection status aggregated per user, debounced
 * presence/event pushes to the users who share a conversation, and presence/list. State lives
 * behind the PresenceStore port: in-process by default, Redis when REDIS_URL is set so several
 * server processes share it.
 */
import { Logger, Module } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { NodeLivenessService, PRESENCE_NODE_ID } from './node-liveness.service';
import { presenceConfig, PresenceConfig } from './presence.config';
import { RedisConfig, redisConfig } from '../../config/redis.config';
import { createRedisClient } from '../../infra/redis-client';
import { ConversationModule } from '../conversation';
import { ContactModule } from '../contact';
import { HeartbeatService } from './heartbeat.service';
import { PresenceQueryService } from './presence-query.service';
import { PresenceHandler } from './presence.handler';
import { PresenceMetrics } from './presence.metrics';
import { PresenceRepository } from './presence.repository';
import { PresenceService } from './presence.service';
import { PresenceStore } from './presence-store';
import { OnlineUsers } from './online-users';
import { TypingService } from './typing.service';
import { InMemoryPresenceStore } from './stores/in-memory-presence.store';
import { RedisPresenceStore } from './stores/redis-presence.store';

export function createPresenceStore(presence: PresenceConfig, redis: RedisConfig, nodeId?: string): PresenceStore {
  // Entries survive two timeouts without a touch: the sweeper refreshes live ones far more often.
  const options = { staleAfterMs: presence.heartbeatTimeoutMs * 2, nodeId };
  if (!redis.url) return new InMemoryPresenceStore(options);
  const logger = new Logger('PresenceStore');
  const client = createRedisClient(redis.url, { name: 'presence', onError: (err) => logger.warn(`redis: ${err.message}`) });
  return new RedisPresenceStore(client, redis.keyPrefix, options);
}

@Module({
  imports: [ConversationModule, ContactModule],
  controllers: [PresenceHandler],
  providers: [
    // Unique across hosts and restarts (containers all run as pid 1).
    { provide: PRESENCE_NODE_ID, useFactory: () => `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}` },
    {
      provide: PresenceStore,
      inject: [presenceConfig.token, redisConfig.token, PRESENCE_NODE_ID],
      useFactory: createPresenceStore,
    },
    PresenceRepository,
    PresenceMetrics,
    PresenceService,
    PresenceQueryService,
    HeartbeatService,
    NodeLivenessService,
    TypingService,
    OnlineUsers,
  ],
  exports: [PresenceService, PresenceStore, OnlineUsers],
})
export class PresenceModule {}

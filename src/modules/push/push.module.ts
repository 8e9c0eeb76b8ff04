import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth';
import { ConversationModule } from '../conversation';
import { InboxModule } from '../inbox';
import { MessageModule } from '../message';
import { PresenceModule } from '../presence';
import { PushCursorEntity } from './entities/push-cursor.entity';
import { PushDeviceEntity } from './entities/push-device.entity';
import { PushOutboxEntity } from './entities/push-outbox.entity';
import { PushSettingEntity } from './entities/push-setting.entity';
import { PushHandler } from './push.handler';
import { PushIntake } from './push-intake.service';
import { PushMetrics } from './push.metrics';
import { PushOutboxRepository } from './push-outbox.repository';
import { PushProviders } from './push-providers';
import { PushRepository } from './push.repository';
import { PushService } from './push.service';
import { PushWorker } from './push-worker.service';

export const PUSH_ENTITIES = [PushDeviceEntity, PushSettingEntity, PushOutboxEntity, PushCursorEntity];

/**
 * Push notifications to people who are not connected (docs/push.md): devices bound to sessions,
 * preferences, a durable outbox fed from committed messages (CommittedEntries port, never on the
 * send path) and delivered by a worker on every node (claimed rows: each push sent once), with
 * FCM, APNs, Web Push and a webhook push gateway as providers.
 */
@Module({
  imports: [TypeOrmModule.forFeature(PUSH_ENTITIES), AuthModule, ConversationModule, MessageModule, PresenceModule, InboxModule],
  controllers: [PushHandler],
  providers: [PushRepository, PushOutboxRepository, PushProviders, PushService, PushIntake, PushWorker, PushMetrics],
  exports: [PushWorker, PushIntake, PushProviders, PushRepository],
})
export class PushModule {}

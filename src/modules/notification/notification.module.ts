import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NotificationEntity } from './entities/notification.entity';
import { NotificationHandler } from './notification.handler';
import { NotificationRepository } from './notification.repository';
import { NotificationService } from './notification.service';

/**
 * Global so any feature module can inject NotificationService without importing this module.
 * The EventPublisher and ConnectionRegistry it uses come from the (global) TransportModule.
 */
export const NOTIFICATION_ENTITIES = [NotificationEntity];

@Global()
@Module({ imports: [TypeOrmModule.forFeature(NOTIFICATION_ENTITIES)], controllers: [NotificationHandler], providers: [NotificationService, NotificationRepository], exports: [NotificationService] })
export class NotificationModule {}

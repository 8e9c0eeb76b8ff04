import { Global, Module } from '@nestjs/common';
import { NotificationService } from './notification.service';

/**
 * Global so any feature module can inject NotificationService without importing this module.
 * The EventPublisher it uses comes from the (global) TransportModule.
 */
@Global()
@Module({ providers: [NotificationService], exports: [NotificationService] })
export class NotificationModule {}

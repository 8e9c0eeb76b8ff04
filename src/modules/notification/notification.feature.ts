import { defineFeature } from '../../common/feature/feature';
import { NotificationCommands } from '../../shared/protocol/commands';
import { NotificationsSchema1764190001000 } from './migrations/1764190001000-notifications-schema';
import { notificationConfig } from './notification.config';
import { NOTIFICATION_ENTITIES, NotificationModule } from './notification.module';

export const notificationFeature = defineFeature({
  name: 'notification',
  module: NotificationModule,
  entities: NOTIFICATION_ENTITIES,
  migrations: [NotificationsSchema1764190001000],
  config: [notificationConfig],
  commands: NotificationCommands,
});

import { defineFeature } from '../../common/feature/feature';
import { NotificationModule } from './notification.module';

export const notificationFeature = defineFeature({ name: 'notification', module: NotificationModule });

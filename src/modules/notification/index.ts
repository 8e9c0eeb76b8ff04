/** The notification module's public API: what other modules may import from it. */
export { NotificationModule } from './notification.module';
export { NotificationService } from './notification.service';

import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { ConfigOf, defineConfig } from '../../config/config.util';

class NotificationEnv {
  /** Most durable notifications kept per user while not acked; the oldest are dropped beyond it (pending contact requests last). */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 10 and 1000000' })
  @Min(10, { message: 'must be an integer between 10 and 1000000' })
  @Max(1_000_000, { message: 'must be an integer between 10 and 1000000' })
  NOTIFICATION_PENDING_MAX = 1000;
}

export const notificationConfig = defineConfig('notification', NotificationEnv, (env) => ({
  pendingMax: env.NOTIFICATION_PENDING_MAX,
}));
export type NotificationConfig = ConfigOf<typeof notificationConfig>;

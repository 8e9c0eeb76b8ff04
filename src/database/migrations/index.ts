/** Every migration class, oldest first. Add new ones at the end. */
import { MessagingSchema1764150000000 } from './1764150000000-messaging-schema';

export const MIGRATIONS: Function[] = [MessagingSchema1764150000000];

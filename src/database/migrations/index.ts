/** Every migration class, oldest first. Add new ones at the end. */
import { MessagingSchema1764150000000 } from './1764150000000-messaging-schema';
import { AuthSchema1764151000000 } from './1764151000000-auth-schema';

export const MIGRATIONS: Function[] = [MessagingSchema1764150000000, AuthSchema1764151000000];

/** The presence module's public API: what other modules may import from it. */
export { presenceConfig } from './presence.config';
export type { PresenceConfig } from './presence.config';
export { PresenceModule } from './presence.module';
export { PresenceService } from './presence.service';
export { OnlineUsers } from './online-users';

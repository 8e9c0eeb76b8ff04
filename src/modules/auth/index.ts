/** The auth module's public API: what other modules may import from it. */
export { AuthModule } from './auth.module';
export { isUniqueViolation } from './users.repository';
export type { DirectoryMatch } from './users.repository';
export { normalizeUsername, UsersService } from './users.service';
export type { UserView } from './users.service';
export { SessionsService } from './sessions.service';

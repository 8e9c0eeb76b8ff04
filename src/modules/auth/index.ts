/** The auth module's public API: what other modules may import from it. */
export { AuthModule } from './auth.module';
export { isUniqueViolation } from './users.repository';
export type { DirectoryMatch } from './users.repository';
export { normalizeUsername, UsersService } from './users.service';
export type { UserView } from './users.service';
export { LoginProviders, passwordLoginDisabled, RefreshRefusedError } from './login-providers';
export type { ExternalLoginRequest, LoginProvider, LoginProviderInfo, RefreshCheck, RefreshingSession } from './login-providers';
export { SessionsService } from './sessions.service';
export { ConnectionLogin } from './connection-login';

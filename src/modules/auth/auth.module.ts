import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessTokenVerifier } from '../../common/guards/access-token-verifier';
import { TokenGuard } from '../../common/guards/token.guard';
import { VersionGuard } from '../../common/guards/version.guard';
import { AuthConfig, authConfig } from './auth.config';
import { RedisConfig, redisConfig } from '../../config/redis.config';
import { createRedisClient } from '../../infra/redis-client';
import { AuthTokenVerifier } from './auth-token.verifier';
import { AuthHandler } from './auth.handler';
import { AuthMetrics } from './auth.metrics';
import { AuthService } from './auth.service';
import { RetiredRefreshTokenEntity } from './entities/retired-refresh-token.entity';
import { SessionEntity } from './entities/session.entity';
import { UserEntity } from './entities/user.entity';
import { InMemoryLoginLimiter, LoginLimiter } from './login-limiter';
import { LoginProviders } from './login-providers';
import { ConnectionLogin } from './connection-login';
import { PasswordService } from './password.service';
import { RedisLoginLimiter } from './redis-login-limiter';
import { RevocationSweeper } from './revocation.sweeper';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { TokenService } from './token.service';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/** In-memory per process by default; shared through Redis when REDIS_URL is set. */
export function createLoginLimiter(auth: AuthConfig, redis: RedisConfig): LoginLimiter {
  if (!redis.url) return new InMemoryLoginLimiter(auth);
  let limiter: RedisLoginLimiter | undefined = undefined;
  const client = createRedisClient(redis.url, { name: 'login-limiter', onError: (err) => limiter?.warn(err) });
  limiter = new RedisLoginLimiter(client, redis.keyPrefix, auth);
  return limiter;
}

/**
 * Accounts, sessions and tokens. Installs the global guards: the version guard (per-handler
 * `@MinVersion`) first, then the token guard (everything not `@Public()` needs a bearer token).
 */
export const AUTH_ENTITIES = [UserEntity, SessionEntity, RetiredRefreshTokenEntity];

@Module({
  imports: [TypeOrmModule.forFeature(AUTH_ENTITIES)],
  controllers: [AuthHandler],
  providers: [
    AuthMetrics,
    LoginProviders,
    UsersRepository,
    SessionsRepository,
    PasswordService,
    TokenService,
    UsersService,
    SessionsService,
    AuthService,
    ConnectionLogin,
    RevocationSweeper,
    { provide: LoginLimiter, inject: [authConfig.token, redisConfig.token], useFactory: createLoginLimiter },
    { provide: AccessTokenVerifier, useClass: AuthTokenVerifier },
    { provide: APP_GUARD, useClass: VersionGuard },
    { provide: APP_GUARD, useClass: TokenGuard },
  ],
  exports: [UsersService, SessionsService, AccessTokenVerifier, LoginProviders, ConnectionLogin],
})
export class AuthModule {}

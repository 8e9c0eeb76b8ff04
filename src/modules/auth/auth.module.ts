import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessTokenVerifier } from '../../common/guards/access-token-verifier';
import { TokenGuard } from '../../common/guards/token.guard';
import { VersionGuard } from '../../common/guards/version.guard';
import { AuthTokenVerifier } from './auth-token.verifier';
import { AuthHandler } from './auth.handler';
import { AuthService } from './auth.service';
import { RetiredRefreshTokenEntity } from './entities/retired-refresh-token.entity';
import { SessionEntity } from './entities/session.entity';
import { UserEntity } from './entities/user.entity';
import { InMemoryLoginLimiter, LoginLimiter } from './login-limiter';
import { PasswordService } from './password.service';
import { RevocationSweeper } from './revocation.sweeper';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { TokenService } from './token.service';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/**
 * Accounts, sessions and tokens. Installs the global guards: the version guard (per-handler
 * `@MinVersion`) first, then the token guard (everything not `@Public()` needs a bearer token).
 */
@Module({
  imports: [TypeOrmModule.forFeature([UserEntity, SessionEntity, RetiredRefreshTokenEntity])],
  controllers: [AuthHandler],
  providers: [
    UsersRepository,
    SessionsRepository,
    PasswordService,
    TokenService,
    UsersService,
    SessionsService,
    AuthService,
    RevocationSweeper,
    { provide: LoginLimiter, useClass: InMemoryLoginLimiter },
    { provide: AccessTokenVerifier, useClass: AuthTokenVerifier },
    { provide: APP_GUARD, useClass: VersionGuard },
    { provide: APP_GUARD, useClass: TokenGuard },
  ],
  exports: [UsersService, SessionsService],
})
export class AuthModule {}

import { Injectable, Logger } from '@nestjs/common';
import { JwtService, TokenExpiredError } from '@nestjs/jwt';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { InjectConfig } from '../../config/config.util';
import { AuthConfig, authConfig } from './auth.config';
import { ProtocolError } from '../../shared/protocol';

export interface AccessClaims {
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
}

/** HS256 access tokens (`sub` user, `sid` session, `jti`, `exp`) and opaque refresh tokens. */
@Injectable()
export class TokenService {
  private readonly logger = new Logger('Auth');
  private readonly jwt: JwtService;

  constructor(@InjectConfig(authConfig) private readonly config: AuthConfig) {
    let secret = config.jwtSecret;
    if (!secret) {
      secret = randomBytes(48).toString('base64');
      this.logger.warn(
        'AUTH_JWT_SECRET is not set: using a random per-process key. Tokens will not survive a restart or work across processes; set AUTH_JWT_SECRET (required in production).',
      );
    }
    this.jwt = new JwtService({ secret, signOptions: { algorithm: 'HS256' }, verifyOptions: { algorithms: ['HS256'] } });
  }

  get accessTtlS(): number {
    return this.config.accessTtlS;
  }

  signAccess(userId: string, sessionId: string): Promise<string> {
    return this.jwt.signAsync({ sub: userId, sid: sessionId, jti: randomUUID() }, { expiresIn: this.config.accessTtlS });
  }

  /** Verifies signature and expiry; throws 401 TOKEN_EXPIRED or TOKEN_INVALID. */
  async verifyAccess(token: string): Promise<AccessClaims> {
    let claims: Partial<AccessClaims>;
    try {
      claims = await this.jwt.verifyAsync<AccessClaims>(token);
    } catch (err) {
      if (err instanceof TokenExpiredError) {
        throw new ProtocolError('TOKEN_EXPIRED', 'access token expired; get a new one with auth/refresh {refresh_token}');
      }
      throw new ProtocolError('TOKEN_INVALID', 'access token is invalid (bad signature or format); log in again with auth/login');
    }
    if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string') {
      throw new ProtocolError('TOKEN_INVALID', 'access token lacks the sub/sid claims; log in again with auth/login');
    }
    return claims as AccessClaims;
  }

  /** A new opaque refresh token (256 random bits) and the hash that is stored. */
  newRefreshToken(): { token: string; hash: string } {
    const token = `rt_${randomBytes(32).toString('base64url')}`;
    return { token, hash: hashRefreshToken(token) };
  }
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

import { Injectable, Logger } from '@nestjs/common';
import { JwtService, TokenExpiredError } from '@nestjs/jwt';
import { createHash, createSecretKey, KeyObject, randomBytes, randomUUID } from 'node:crypto';
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

/**
 * How far in the future a token's `iat` may lie (clocks of the issuing and verifying processes
 * drift); a token issued later than that is refused.
 */
export const IAT_SKEW_S = 30;

/**
 * HS256 access tokens (`sub` user, `sid` session, `jti`, `iat`, `exp`) and opaque refresh tokens.
 *
 * The secret is handed to jsonwebtoken as a KeyObject: given a string, jsonwebtoken first tries
 * to parse it as a PEM public key (crypto.createPublicKey, which throws) on EVERY verify, which
 * was 43 % of the server's CPU under message load.
 */
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
    const key: KeyObject = createSecretKey(Buffer.from(secret, 'utf8'));
    this.jwt = new JwtService({ secretOrKeyProvider: () => key, signOptions: { algorithm: 'HS256' }, verifyOptions: { algorithms: ['HS256'] } });
  }

  get accessTtlS(): number {
    return this.config.accessTtlS;
  }

  signAccess(userId: string, sessionId: string): Promise<string> {
    return this.jwt.signAsync({ sub: userId, sid: sessionId, jti: randomUUID() }, { expiresIn: this.config.accessTtlS });
  }

  /**
   * Verifies signature and expiry (synchronously: HMAC over a few hundred bytes); `exp` and `iat`
   * are required and an `iat` more than IAT_SKEW_S in the future is refused. Throws 401
   * TOKEN_EXPIRED or TOKEN_INVALID.
   */
  verifyAccess(token: string): AccessClaims {
    let claims: Partial<AccessClaims>;
    try {
      claims = this.jwt.verify<AccessClaims>(token);
    } catch (err) {
      if (err instanceof TokenExpiredError) {
        throw new ProtocolError('TOKEN_EXPIRED', 'access token expired; get a new one with auth/refresh {refresh_token}');
      }
      throw new ProtocolError('TOKEN_INVALID', 'access token is invalid (bad signature or format); log in again with auth/login');
    }
    if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string') {
      throw new ProtocolError('TOKEN_INVALID', 'access token lacks the sub/sid claims; log in again with auth/login');
    }
    if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number') {
      throw new ProtocolError('TOKEN_INVALID', 'access token lacks the exp/iat claims (tokens must expire); log in again with auth/login');
    }
    if (claims.iat > Date.now() / 1000 + IAT_SKEW_S) {
      throw new ProtocolError('TOKEN_INVALID', `access token is issued in the future (iat more than ${IAT_SKEW_S} s ahead of this server's clock); log in again with auth/login`);
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

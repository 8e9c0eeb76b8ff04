import { Injectable } from '@nestjs/common';
import { AccessTokenVerifier, VerifiedAccess } from '../../common/guards/access-token-verifier';
import { AuthMetrics } from './auth.metrics';
import { SessionsService } from './sessions.service';
import { TokenService } from './token.service';

/**
 * JWT check (HS256 with a KeyObject) plus the session's validity, from memory within the bound
 * SessionsService documents (AUTH_SESSION_CACHE_MS).
 */
@Injectable()
export class AuthTokenVerifier extends AccessTokenVerifier {
  constructor(
    private readonly tokens: TokenService,
    private readonly sessions: SessionsService,
    private readonly metrics: AuthMetrics,
  ) {
    super();
  }

  override failed(error: unknown): void {
    this.metrics.failure(error);
  }

  async verify(token: string): Promise<VerifiedAccess> {
    const claims = this.tokens.verifyAccess(token);
    const session = await this.sessions.assertUsable(claims.sid, claims.sub);
    return { userId: claims.sub, sessionId: claims.sid, device: session.device, expiresAt: claims.exp * 1000 };
  }

  /** Synchronous while the session's validity is in memory (the per-frame case). */
  assertSessionActive(userId: string, sessionId: string): void | Promise<void> {
    const usable = this.sessions.assertUsable(sessionId, userId);
    return usable instanceof Promise ? usable.then(() => undefined) : undefined;
  }
}

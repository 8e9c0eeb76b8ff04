import { Injectable } from '@nestjs/common';
import { AccessTokenVerifier, VerifiedAccess } from '../../common/guards/access-token-verifier';
import { AuthMetrics } from './auth.metrics';
import { SessionsService } from './sessions.service';
import { TokenService } from './token.service';

/**
 * JWT check plus a primary-key read of the session row on every request. Correctness over a
 * cache: a session revoked by any process (logout, kick, admin CLI) is refused on the next request.
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
    const claims = await this.tokens.verifyAccess(token);
    const session = await this.sessions.assertUsable(claims.sid, claims.sub);
    return { userId: claims.sub, sessionId: claims.sid, device: session.device };
  }

  async assertSessionActive(userId: string, sessionId: string): Promise<void> {
    await this.sessions.assertUsable(sessionId, userId);
  }
}

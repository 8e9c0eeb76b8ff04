import { createHash } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { ExternalLoginRequest, LoginProvider, LoginProviderInfo } from '../auth';
import { IdentityRepository } from './identity.repository';
import { idTokenInvalid, OidcIssuer } from './oidc-issuer';
import { ProvisioningService } from './provisioning.service';

/**
 * `auth/login {provider, id_token, nonce?}` for an OpenID Connect provider: the ID token is
 * verified (OidcIssuer), its nonce (if any) is accepted once, then the user is provisioned by
 * `sub`. The device flow ends here too, with the ID token the server itself obtained.
 */
export class OidcLoginProvider implements LoginProvider {
  readonly info: LoginProviderInfo;

  constructor(
    readonly issuer: OidcIssuer,
    private readonly repository: IdentityRepository,
    private readonly provisioning: ProvisioningService,
  ) {
    const s = issuer.settings;
    this.info = { name: s.name, type: 'oidc', display_name: s.displayName, password: false, id_token: true, device_flow: s.deviceFlow };
  }

  async authenticate(request: ExternalLoginRequest): Promise<{ userId: string }> {
    const claims = await this.issuer.verifyIdToken(request.id_token as string, request.nonce);
    await this.consumeNonce(claims);
    return { userId: await this.signIn(claims) };
  }

  /** Provisions or updates the user the verified claims describe. */
  async signIn(claims: JWTPayload): Promise<string> {
    const s = this.issuer.settings;
    const str = (name: string): string | undefined => (typeof claims[name] === 'string' && claims[name] !== '' ? (claims[name] as string) : undefined);
    const groupsClaim = claims[s.groupsClaim];
    const groups = Array.isArray(groupsClaim) ? groupsClaim.filter((g): g is string => typeof g === 'string') : [];
    const adminGroup = s.adminGroup?.toLowerCase();
    return this.provisioning.signIn({
      provider: s.name,
      subject: claims.sub as string,
      username: str(s.usernameClaim) ?? str(s.emailClaim) ?? (claims.sub as string),
      displayName: str(s.displayNameClaim),
      email: str(s.emailClaim),
      admin: adminGroup === undefined ? undefined : groups.some((g) => g.toLowerCase() === adminGroup),
      // No groups claim at all says nothing (a provider not configured to send it): leave chat groups alone.
      groups: Array.isArray(groupsClaim) ? groups : undefined,
    });
  }

  /**
   * A nonce is good for one login: remembered (hashed, in the database, so every node sees it)
   * until the token that carried it expires — after that the token itself is refused.
   */
  private async consumeNonce(claims: JWTPayload): Promise<void> {
    if (typeof claims.nonce !== 'string') return;
    const hash = createHash('sha256').update(`${this.info.name}\0${claims.nonce}`).digest('hex');
    const expiresAt = (claims.exp as number) * 1000 + 30_000;
    if (!(await this.repository.useNonce(hash, expiresAt))) throw idTokenInvalid('this nonce was already used (replayed token)');
    // Opportunistic sweep of expired nonces; cheap (indexed) and bounded by login traffic.
    if (Math.random() < 0.05) await this.repository.deleteExpiredNonces(Date.now());
  }
}

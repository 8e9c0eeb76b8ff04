import { randomBytes } from 'node:crypto';
import { notFound, ProtocolError } from '../../shared/protocol';
import type { ClientInfo } from '../../shared/protocol/messages/auth.messages';
import { OidcLoginProvider } from './oidc-login.provider';

interface PendingGrant {
  provider: OidcLoginProvider;
  /** The provider's device_code: in this process's memory only, never stored or logged. */
  deviceCode: string;
  connectionId: string;
  clientInfo: ClientInfo;
  expiresAt: number;
  intervalMs: number;
  nextPollAt: number;
  polling: boolean;
}

export type PollOutcome = { state: 'pending' | 'slow_down'; interval: number } | { state: 'denied' | 'expired' } | { state: 'done'; userId: string; clientInfo: ClientInfo };

/**
 * The device authorization grant (RFC 8628) brokered by the server for clients without a
 * browser: auth/oidc-start asks the provider for a device code and gives the client the user
 * code and verification URL plus an opaque handle; auth/oidc-poll asks the provider's token
 * endpoint (at most once per provider interval) and, once the user approved, verifies the ID
 * token and signs the user in on that connection.
 *
 * Pending grants live in the memory of the node holding the connection, bound to the
 * connection that started them: another connection (or node) polling the handle gets 404, and
 * they die with the connection's node or at the provider's expiry. Bounded: a few per connection
 * and `maxPending` per node.
 */
export class OidcDeviceFlow {
  private readonly grants = new Map<string, PendingGrant>();

  constructor(
    private readonly maxPending: number,
    private readonly perConnection = 3,
  ) {}

  async start(provider: OidcLoginProvider, connectionId: string, clientInfo: ClientInfo) {
    this.prune(Date.now());
    const mine = [...this.grants.values()].filter((g) => g.connectionId === connectionId).length;
    if (mine >= this.perConnection || this.grants.size >= this.maxPending) {
      throw new ProtocolError('RATE_LIMITED', 'too many device sign-ins pending; finish or let one expire first', 429, { retry_after_ms: 5000 });
    }
    const answer = await provider.issuer.deviceAuthorization();
    const deviceCode = answer.device_code;
    const userCode = answer.user_code;
    const uri = answer.verification_uri ?? answer.verification_url;
    if (typeof deviceCode !== 'string' || typeof userCode !== 'string' || typeof uri !== 'string') {
      throw provider.issuer.unavailable(new Error('device authorization response lacks device_code, user_code or verification_uri'));
    }
    const expiresIn = typeof answer.expires_in === 'number' ? answer.expires_in : 600;
    const interval = typeof answer.interval === 'number' ? answer.interval : 5;
    const handle = `dg-${randomBytes(16).toString('hex')}`;
    const now = Date.now();
    this.grants.set(handle, {
      provider,
      deviceCode,
      connectionId,
      clientInfo,
      expiresAt: now + expiresIn * 1000,
      intervalMs: interval * 1000,
      nextPollAt: now + interval * 1000,
      polling: false,
    });
    return {
      handle,
      user_code: userCode,
      verification_uri: uri,
      ...(typeof answer.verification_uri_complete === 'string' ? { verification_uri_complete: answer.verification_uri_complete } : {}),
      expires_in: expiresIn,
      interval,
    };
  }

  async poll(handle: string, connectionId: string): Promise<PollOutcome> {
    const now = Date.now();
    const grant = this.grants.get(handle);
    // Another connection's handle answers exactly like an unknown one.
    if (!grant || grant.connectionId !== connectionId) throw notFound(`pending device sign-in ${handle} on this connection`);
    if (grant.expiresAt <= now) {
      this.grants.delete(handle);
      return { state: 'expired' };
    }
    // Polling faster than the interval (or while a poll is in flight) costs the provider nothing.
    if (grant.polling || now < grant.nextPollAt) return { state: 'slow_down', interval: Math.ceil(grant.intervalMs / 1000) };
    grant.polling = true;
    try {
      const answer = await grant.provider.issuer.pollDeviceToken(grant.deviceCode);
      grant.nextPollAt = Date.now() + grant.intervalMs;
      switch (answer.error) {
        case undefined:
          break;
        case 'authorization_pending':
          return { state: 'pending', interval: Math.ceil(grant.intervalMs / 1000) };
        case 'slow_down':
          // RFC 8628 §3.5: the interval grows by 5 s for this and every later request.
          grant.intervalMs += 5000;
          grant.nextPollAt = Date.now() + grant.intervalMs;
          return { state: 'slow_down', interval: Math.ceil(grant.intervalMs / 1000) };
        case 'access_denied':
          this.grants.delete(handle);
          return { state: 'denied' };
        case 'expired_token':
          this.grants.delete(handle);
          return { state: 'expired' };
        default:
          this.grants.delete(handle);
          throw grant.provider.issuer.unavailable(new Error(`token endpoint error ${answer.error}`));
      }
      if (typeof answer.id_token !== 'string') {
        this.grants.delete(handle);
        throw grant.provider.issuer.unavailable(new Error('token response has no id_token (is "openid" in the scopes?)'));
      }
      // The grant is used up whatever the verification says; the access/refresh tokens are dropped.
      this.grants.delete(handle);
      const claims = await grant.provider.issuer.verifyIdToken(answer.id_token);
      return { state: 'done', userId: await grant.provider.signIn(claims), clientInfo: grant.clientInfo };
    } finally {
      grant.polling = false;
    }
  }

  /** Drops the grants of a closed connection. */
  forgetConnection(connectionId: string): void {
    for (const [handle, grant] of this.grants) if (grant.connectionId === connectionId) this.grants.delete(handle);
  }

  get size(): number {
    return this.grants.size;
  }

  private prune(now: number): void {
    for (const [handle, grant] of this.grants) if (grant.expiresAt <= now) this.grants.delete(handle);
  }
}

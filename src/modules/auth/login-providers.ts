import { Injectable } from '@nestjs/common';
import { fieldError, ProtocolError } from '../../shared/protocol';
import type { KickReason } from '../../shared/protocol/messages/auth.messages';

/** What `auth/login` hands a provider: the payload's sign-in fields and where the request came from. */
export interface ExternalLoginRequest {
  provider: string;
  username?: string;
  password?: string;
  id_token?: string;
  nonce?: string;
  remoteAddress: string;
}

/** A public description of a provider, as `auth/providers` lists it. */
export interface LoginProviderInfo {
  name: string;
  type: string;
  /** Shown on a sign-in button. */
  display_name: string;
  /** auth/login takes {provider, username, password} (LDAP). */
  password: boolean;
  /** auth/login takes {provider, id_token, nonce?} (OIDC). */
  id_token: boolean;
  /** auth/oidc-start + auth/oidc-poll work for it (RFC 8628 device flow). */
  device_flow: boolean;
}

/**
 * A sign-in method other than Switchboard's own passwords. `authenticate` verifies what the client
 * sent and answers the Switchboard user it signs in (creating or updating it: provisioning is
 * the provider module's business), or throws a ProtocolError (wrong credentials, outage → 503).
 */
export interface LoginProvider {
  readonly info: LoginProviderInfo;
  authenticate(request: ExternalLoginRequest): Promise<{ userId: string }>;
}

/** What a refresh check gets: the session being refreshed. */
export interface RefreshingSession {
  sessionId: string;
  userId: string;
  /** Epoch ms when the session was created (the login). */
  createdAt: number;
}

/**
 * May the user of this session still refresh? Resolves to allow; throws a ProtocolError to refuse
 * (the refresh token is then not rotated). A check that cannot decide (directory down) throws
 * 503 UNAVAILABLE: never lets anyone in on doubt.
 */
export type RefreshCheck = (session: RefreshingSession) => Promise<void>;

/**
 * The auth module's extension port for company sign-in (the identity module registers into it
 * at start): login providers `auth/login {provider}` dispatches to, and the checks every
 * `auth/refresh` runs before rotating the refresh token.
 */
@Injectable()
export class LoginProviders {
  private readonly providers = new Map<string, LoginProvider>();
  private readonly checks: RefreshCheck[] = [];

  register(provider: LoginProvider): void {
    if (this.providers.has(provider.info.name)) throw new Error(`login provider "${provider.info.name}" registered twice`);
    this.providers.set(provider.info.name, provider);
  }

  registerRefreshCheck(check: RefreshCheck): void {
    this.checks.push(check);
  }

  list(): LoginProviderInfo[] {
    return [...this.providers.values()].map((p) => p.info);
  }

  /** The provider named in a login payload, or 400 naming the field and the enabled providers. */
  get(name: string): LoginProvider {
    const provider = this.providers.get(name);
    if (provider) return provider;
    const names = [...this.providers.keys()];
    throw fieldError('provider', `provider "${name}" is not enabled on this server; enabled: ${names.length > 0 ? names.join(', ') : 'none'} (see auth/providers)`);
  }

  async checkRefresh(session: RefreshingSession): Promise<void> {
    for (const check of this.checks) await check(session);
  }
}

/** A refusal for a provider login: password login policy. */
export function passwordLoginDisabled(): ProtocolError {
  return new ProtocolError('PASSWORD_LOGIN_DISABLED', 'password login is turned off on this server; sign in with a provider listed by auth/providers', 403);
}

/**
 * A refresh refused by a check that revoked sessions (e.g. every session of a user disabled in
 * the directory): the handler kicks their connections after answering, so the refreshing client
 * gets its error before auth/kick and the close.
 */
export class RefreshRefusedError extends ProtocolError {
  constructor(
    refusal: ProtocolError,
    readonly revokedSessions: string[],
    readonly reason: KickReason,
  ) {
    super(refusal.code, refusal.message, refusal.status, refusal.details);
  }
}

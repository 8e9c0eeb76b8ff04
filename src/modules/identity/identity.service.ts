import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { InjectConfig } from '../../config/config.util';
import { notFound, ProtocolError } from '../../shared/protocol';
import type { ClientInfo } from '../../shared/protocol/messages/auth.messages';
import { ConnectionRegistry } from '../../transport/connection-registry';
import { LoginProviders, RefreshingSession, RefreshRefusedError, SessionsService } from '../auth';
import { IdentityConfig, identityConfig } from './identity.config';
import { IdentityMetrics } from './identity.metrics';
import { IdentityRepository } from './identity.repository';
import { LdapDirectory } from './ldap-directory';
import { directoryDisabled, LdapLoginProvider } from './ldap-login.provider';
import { OidcDeviceFlow, PollOutcome } from './oidc-device-flow';
import { idTokenInvalid, OidcIssuer } from './oidc-issuer';
import { OidcLoginProvider } from './oidc-login.provider';
import { ProvisioningService } from './provisioning.service';

/** How long a logout token's jti is remembered (providers send them at once, not hours later). */
const LOGOUT_TOKEN_MEMORY_MS = 24 * 3600 * 1000;

/**
 * Wires company sign-in into the auth module at start: registers the configured providers
 * (LoginProviders) and the refresh check that ends the sessions of people who left; runs the
 * device flow and back-channel logouts.
 */
@Injectable()
export class IdentityService implements OnModuleInit {
  private readonly logger = new Logger('Identity');
  private ldap?: LdapLoginProvider;
  private readonly oidc = new Map<string, OidcLoginProvider>();
  private readonly deviceFlow: OidcDeviceFlow;

  constructor(
    @InjectConfig(identityConfig) private readonly config: IdentityConfig,
    private readonly providers: LoginProviders,
    private readonly provisioning: ProvisioningService,
    private readonly repository: IdentityRepository,
    private readonly sessions: SessionsService,
    private readonly registry: ConnectionRegistry,
    private readonly metrics: IdentityMetrics,
  ) {
    this.deviceFlow = new OidcDeviceFlow(config.oidcDeviceMaxPending);
  }

  onModuleInit(): void {
    if (this.config.ldap) {
      this.ldap = new LdapLoginProvider(this.config.ldap, new LdapDirectory(this.config.ldap), this.provisioning);
      this.providers.register(this.ldap);
    }
    for (const settings of this.config.oidc) {
      const provider = new OidcLoginProvider(new OidcIssuer(settings, this.config.oidcTimings), this.repository, this.provisioning);
      this.oidc.set(settings.name, provider);
      this.providers.register(provider);
    }
    this.providers.registerRefreshCheck((session) => this.checkRefresh(session));
    this.registry.on('closed', (conn: { id: string }) => this.deviceFlow.forgetConnection(conn.id));
  }

  /** auth/oidc-start on a connection. */
  startDeviceFlow(providerName: string, connectionId: string, clientInfo: ClientInfo) {
    const provider = this.oidc.get(providerName);
    // 404 like any name that does not exist here (the docs' examples name providers this server lacks).
    if (!provider || !provider.info.device_flow) throw notFound(`OpenID Connect provider "${providerName}" with device sign-in on this server (see auth/providers)`);
    return this.deviceFlow.start(provider, connectionId, clientInfo);
  }

  pollDeviceFlow(handle: string, connectionId: string): Promise<PollOutcome> {
    return this.deviceFlow.poll(handle, connectionId);
  }

  /**
   * OIDC Back-Channel Logout: a verified logout token for `sub` ends every session of the user
   * linked to (provider, sub), on every node. Answers whether a user was found.
   */
  async backChannelLogout(providerName: string, logoutToken: string): Promise<number> {
    const provider = this.oidc.get(providerName);
    if (!provider) throw notFound(`OpenID provider ${providerName}`);
    const claims = await provider.issuer.verifyLogoutToken(logoutToken);
    // §2.6: a logout token is used once (a replay could end a session started after it).
    const jti = createHash('sha256').update(`logout\0${providerName}\0${String(claims.jti)}`).digest('hex');
    if (!(await this.repository.useNonce(jti, Date.now() + LOGOUT_TOKEN_MEMORY_MS))) throw idTokenInvalid('this logout token was already used (jti)');
    const identity = await this.repository.find(providerName, claims.sub as string);
    if (!identity) return 0;
    this.metrics.leavers.inc({ provider: providerName });
    const revoked = await this.sessions.revokeAllAndKick(identity.userId, 'provider_logout');
    this.logger.log(`back-channel logout from ${providerName} for user ${identity.userId}: revoked ${revoked.length} session(s)`);
    return revoked.length;
  }

  /**
   * A session of a user linked to a provider may refresh only while the provider still vouches
   * for them: LDAP entry present and active; OIDC session younger than
   * IDENTITY_OIDC_MAX_SESSION_AGE_S (when set). A user without linked identities (local password
   * account) is not checked; an identity of a provider no longer configured is not checked
   * either (removing a provider from the configuration does not lock its users out of their
   * other sign-in methods).
   */
  private async checkRefresh(session: RefreshingSession): Promise<void> {
    const linked = await this.provisioning.linked(session.userId);
    for (const identity of linked) {
      if (this.ldap && identity.provider === this.ldap.info.name) {
        if (await this.ldap.stillActive(identity.subject)) continue;
        this.metrics.leavers.inc({ provider: identity.provider });
        await this.provisioning.markDisabled(identity);
        // Revoked here (refused on this node at once, elsewhere when the kick arrives); kicked by
        // the auth handler once this refresh has its answer.
        const revoked = await this.sessions.revoke(await this.sessions.activeIds(session.userId), 'user_disabled');
        this.logger.warn(`user ${session.userId}: ${identity.provider} entry ${identity.subject} is gone or disabled; revoked ${revoked.length} session(s)`);
        throw new RefreshRefusedError(directoryDisabled(), revoked, 'user_disabled');
      }
      if (this.oidc.has(identity.provider) && this.config.oidcMaxSessionAgeMs > 0 && Date.now() - session.createdAt > this.config.oidcMaxSessionAgeMs) {
        const revoked = await this.sessions.revoke([session.sessionId], 'max_age');
        const refusal = new ProtocolError('SESSION_REVOKED', `sessions signed in through ${identity.provider} last at most ${this.config.oidcMaxSessionAgeMs / 1000} s; sign in again`);
        throw new RefreshRefusedError(refusal, revoked, 'revoked');
      }
    }
  }
}

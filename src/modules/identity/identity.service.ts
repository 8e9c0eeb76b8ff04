import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { LoginProviders, RefreshingSession, RefreshRefusedError, SessionsService } from '../auth';
import { IdentityConfig, identityConfig } from './identity.config';
import { IdentityMetrics } from './identity.metrics';
import { LdapDirectory } from './ldap-directory';
import { directoryDisabled, LdapLoginProvider } from './ldap-login.provider';
import { ProvisioningService } from './provisioning.service';

/**
 * Wires company sign-in into the auth module at start: registers the configured providers
 * (LoginProviders) and the refresh check that ends the sessions of people who left.
 */
@Injectable()
export class IdentityService implements OnModuleInit {
  private readonly logger = new Logger('Identity');
  private ldap?: LdapLoginProvider;

  constructor(
    @InjectConfig(identityConfig) private readonly config: IdentityConfig,
    private readonly providers: LoginProviders,
    private readonly provisioning: ProvisioningService,
    private readonly sessions: SessionsService,
    private readonly metrics: IdentityMetrics,
  ) {}

  onModuleInit(): void {
    if (this.config.ldap) {
      this.ldap = new LdapLoginProvider(this.config.ldap, new LdapDirectory(this.config.ldap), this.provisioning);
      this.providers.register(this.ldap);
    }
    this.providers.registerRefreshCheck((session) => this.checkRefresh(session));
  }

  /**
   * A session of a user linked to a provider may refresh only while the provider still vouches
   * for them: LDAP entry present and active. A user without linked identities (local password
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
    }
  }
}

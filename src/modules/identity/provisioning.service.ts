import { Injectable, Logger } from '@nestjs/common';
import { ProtocolError } from '../../shared/protocol';
import { InjectConfig } from '../../config/config.util';
import { UsersService } from '../auth';
import { GroupMembershipSync } from '../group';
import { IdentityConfig, identityConfig } from './identity.config';
import { IdentityEntity } from './entities/identity.entity';
import { IdentityRepository } from './identity.repository';

/** What a provider says about a user at login. */
export interface ExternalProfile {
  provider: string;
  /** Stable and never reused: `sub`, `entryUUID`, objectGUID as hex. */
  subject: string;
  /** What the provider calls the user (suggests the username at first login). */
  username: string;
  displayName?: string;
  email?: string;
  /** true/false when the provider manages roles (admin group configured), undefined when it does not. */
  admin?: boolean;
  /** The provider's groups of the user; undefined when the provider said nothing about groups. */
  groups?: string[];
}

/**
 * Just-in-time provisioning: the first login of (provider, subject) creates a Switchboard user
 * (UsersService.createExternal: no usable password, username derived and de-duplicated), later
 * logins refresh its display name, e-mail and — when the provider manages roles — its role.
 * The link is by subject only: a renamed or re-used directory username never reaches another
 * person's account.
 */
@Injectable()
export class ProvisioningService {
  private readonly logger = new Logger('Identity');

  constructor(
    private readonly identities: IdentityRepository,
    private readonly users: UsersService,
    private readonly groups: GroupMembershipSync,
    @InjectConfig(identityConfig) private readonly config: IdentityConfig,
  ) {}

  /** The user `profile` signs in (created on first login). */
  async signIn(profile: ExternalProfile): Promise<string> {
    const now = Date.now();
    let identity = await this.identities.find(profile.provider, profile.subject);
    if (!identity) identity = await this.provision(profile, now);
    else {
      await this.identities.update(profile.provider, profile.subject, {
        externalUsername: profile.username.slice(0, 255),
        email: profile.email?.slice(0, 255) ?? null,
        lastLoginAt: now,
        disabledAt: null,
      });
      if (profile.displayName) await this.users.updateProfile(identity.userId, { displayName: profile.displayName.slice(0, 64) });
    }
    if (profile.admin !== undefined) await this.syncRole(identity.userId, profile.admin);
    if (profile.groups !== undefined) await this.syncGroups(identity.userId, profile.groups);
    return identity.userId;
  }

  /** The identities linked to a user (a user may sign in through several providers). */
  linked(userId: string): Promise<IdentityEntity[]> {
    return this.identities.forUser(userId);
  }

  markDisabled(identity: IdentityEntity): Promise<void> {
    return this.identities.update(identity.provider, identity.subject, { disabledAt: Date.now() });
  }

  private async provision(profile: ExternalProfile, now: number): Promise<IdentityEntity> {
    const user = await this.users.createExternal({
      preferredUsername: profile.username,
      displayName: profile.displayName ?? profile.username,
      role: profile.admin ? 'admin' : 'user',
    });
    const identity = Object.assign(new IdentityEntity(), {
      provider: profile.provider,
      subject: profile.subject,
      userId: user.id,
      externalUsername: profile.username.slice(0, 255),
      email: profile.email?.slice(0, 255) ?? null,
      createdAt: now,
      lastLoginAt: now,
      disabledAt: null,
    });
    if (await this.identities.insert(identity)) {
      this.logger.log(`provisioned user ${user.id} (${user.username}) for ${profile.provider} subject ${profile.subject}`);
      return identity;
    }
    // A concurrent first login linked the subject first: use its user; ours stays unused, disabled.
    await this.users.setDisabled(user.id, true);
    const winner = await this.identities.find(profile.provider, profile.subject);
    if (!winner) throw new ProtocolError('CONFLICT', 'sign-in raced with another one; try again', 409);
    return winner;
  }

  /**
   * IDENTITY_GROUP_MAP: in every mapped chat group exactly when in its directory group, both ways
   * at each login (like the admin role). Only when the provider said which groups the user is in.
   */
  private async syncGroups(userId: string, groups: string[]): Promise<void> {
    if (this.config.groupMap.size === 0) return;
    const mine = new Set(groups.map((g) => g.toLowerCase()));
    for (const [directoryGroup, chatGroup] of this.config.groupMap) {
      const result = await this.groups.sync(chatGroup, userId, mine.has(directoryGroup));
      if (result === 'no-such-group') this.logger.warn(`IDENTITY_GROUP_MAP: no chat group ${chatGroup} (mapped from "${directoryGroup}")`);
    }
  }

  private async syncRole(userId: string, admin: boolean): Promise<void> {
    const user = await this.users.findById(userId);
    const role = admin ? 'admin' : 'user';
    if (user && user.role !== role) await this.users.setRole(userId, role);
  }
}

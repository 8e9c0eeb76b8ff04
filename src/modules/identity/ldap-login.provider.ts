import { ExternalLoginRequest, LoginProvider, LoginProviderInfo } from '../auth';
import { ProtocolError } from '../../shared/protocol';
import type { LdapSettings } from './identity.config';
import { LdapDirectory } from './ldap-directory';
import { ProvisioningService } from './provisioning.service';

export function directoryDisabled(): ProtocolError {
  return new ProtocolError('USER_DISABLED', 'this account is disabled in the company directory; contact an administrator');
}

/**
 * `auth/login {provider: "ldap", username, password}`: search-then-bind against the directory,
 * then just-in-time provisioning by the entry's stable subject (entryUUID / objectGUID).
 */
export class LdapLoginProvider implements LoginProvider {
  readonly info: LoginProviderInfo;

  constructor(
    private readonly settings: LdapSettings,
    readonly directory: LdapDirectory,
    private readonly provisioning: ProvisioningService,
  ) {
    this.info = { name: settings.name, type: 'ldap', display_name: settings.displayName, password: true, id_token: false, device_flow: false };
  }

  async authenticate(request: ExternalLoginRequest): Promise<{ userId: string }> {
    const user = await this.directory.authenticate(request.username ?? '', request.password ?? '');
    // After the password: only its owner learns that the entry is disabled.
    if (!user.active) throw directoryDisabled();
    const adminGroup = this.settings.adminGroup?.toLowerCase();
    const userId = await this.provisioning.signIn({
      provider: this.info.name,
      subject: user.subject,
      username: user.username,
      displayName: user.displayName,
      email: user.email,
      admin: adminGroup === undefined ? undefined : user.groups.some((g) => g.toLowerCase() === adminGroup),
      // The directory is authoritative: an entry without the groups attribute is in no group.
      groups: user.groups,
    });
    return { userId };
  }

  /**
   * At each refresh of a session of a user linked to this directory: the entry must still exist
   * (by subject) and match the active filter. Gone or disabled: every session of the user is
   * revoked and kicked on every node, and this refresh is refused. Directory down: 503, the
   * refresh token stays valid for a retry.
   */
  async stillActive(subject: string): Promise<boolean> {
    const user = await this.directory.findBySubject(subject);
    return user !== null && user.active;
  }
}

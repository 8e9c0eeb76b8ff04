import { Injectable, Logger } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { AuthConfig, authConfig } from './auth.config';
import { PresenceConfig, presenceConfig } from '../presence/presence.config';
import { fieldError, ProtocolError } from '../../shared/protocol';
import type { KickReason, LoginRequest, RegisterRequest } from '../../shared/protocol/messages/auth.messages';
import { LoginLimiter } from './login-limiter';
import { LoginProviders, passwordLoginDisabled } from './login-providers';
import { PasswordService } from './password.service';
import { IssuedTokens, SessionsService, SessionView } from './sessions.service';
import { EXTERNAL_PASSWORD_HASH, normalizeUsername, UsersService } from './users.service';

export interface LoginResult extends IssuedTokens {
  device: string;
  /** Older sessions this login replaced (policy); the caller kicks them after binding. */
  replaced: string[];
  /** Seconds between presence/heartbeat frames the client should send (presence module). */
  heartbeat_interval: number;
}

/** Registration, login (with the brute-force limiter and session policy), logout and kicks. */
@Injectable()
export class AuthService {
  private readonly logger = new Logger('Auth');

  constructor(
    @InjectConfig(authConfig) private readonly config: AuthConfig,
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly sessions: SessionsService,
    private readonly limiter: LoginLimiter,
    private readonly providers: LoginProviders,
    @InjectConfig(presenceConfig) private readonly presence: PresenceConfig,
  ) {}

  async register(dto: RegisterRequest): Promise<{ user_id: string; username: string; display_name: string }> {
    if (this.config.registration !== 'open') {
      throw new ProtocolError('REGISTRATION_CLOSED', 'registration is closed on this server; ask an administrator for an account');
    }
    const user = await this.users.create({ username: dto.username, password: dto.password, displayName: dto.display_name });
    this.logger.log(`registered user ${user.id} (${user.username})`);
    return { user_id: user.id, username: user.username, display_name: user.displayName };
  }

  /**
   * `auth/login`: Switchboard's own password, or a company sign-in provider when the payload names
   * one (LoginProviders, registered by the identity module). Either way the session and tokens
   * are Switchboard's own.
   */
  async login(dto: LoginRequest, remoteAddress: string): Promise<LoginResult> {
    const userId = dto.provider !== undefined ? await this.providerLogin(dto, remoteAddress) : await this.passwordLogin(dto, remoteAddress);
    return this.loginUser(userId, dto, remoteAddress);
  }

  /** A new session for a user someone (a password, a provider) vouched for; 403 when disabled. */
  async loginUser(userId: string, dto: Pick<LoginRequest, 'client_info'>, remoteAddress: string): Promise<LoginResult> {
    const user = await this.users.findById(userId);
    if (!user || user.disabledAt !== null) {
      throw new ProtocolError('USER_DISABLED', 'this account is disabled; contact an administrator');
    }
    return this.startSession(userId, dto, remoteAddress);
  }

  /**
   * Wrong username and wrong password give the same answer after the same amount of work (an
   * argon2 verification against a dummy hash when the user does not exist), so neither the
   * response nor its timing reveals which usernames exist.
   */
  private async passwordLogin(dto: LoginRequest, remoteAddress: string): Promise<string> {
    if (dto.id_token !== undefined) throw fieldError('provider', 'id_token needs provider: the OpenID Connect provider that issued it (see auth/providers)');
    if (this.config.passwordLogin === 'off') throw passwordLoginDisabled();
    const username = dto.username as string;
    const password = dto.password as string;
    const key = { username: normalizeUsername(username), address: remoteAddress };
    await this.assertNotLocked(key);
    const user = await this.users.findForLogin(username);
    // Accounts created by a provider have no usable password (EXTERNAL_PASSWORD_HASH): they fail like a wrong one.
    const ok = user && user.passwordHash !== EXTERNAL_PASSWORD_HASH ? await this.passwords.verify(user.passwordHash, password) : await this.passwords.verifyDummy(password);
    if (!user || !ok) {
      await this.limiter.recordFailure(key);
      // The username is logged, never the password.
      this.logger.warn(`login failed for "${key.username}" from ${remoteAddress}`);
      throw new ProtocolError('INVALID_CREDENTIALS', 'wrong username or password');
    }
    await this.limiter.recordSuccess(key);
    // Checked after the password, so only someone who knows it learns the account is not an admin.
    if (this.config.passwordLogin === 'admins-only' && user.role !== 'admin') throw passwordLoginDisabled();
    return user.id;
  }

  /**
   * A provider login. Username + password providers (LDAP) go through the same brute-force
   * limiter as passwords (keyed by provider and username); a failure the provider reports as
   * INVALID_CREDENTIALS counts.
   */
  private async providerLogin(dto: LoginRequest, remoteAddress: string): Promise<string> {
    const provider = this.providers.get(dto.provider as string);
    const request = { provider: provider.info.name, username: dto.username, password: dto.password, id_token: dto.id_token, nonce: dto.nonce, remoteAddress };
    if (!provider.info.password) {
      if (dto.id_token === undefined) throw fieldError('id_token', `provider "${provider.info.name}" signs in with an id_token (or auth/oidc-start)`);
      return (await provider.authenticate(request)).userId;
    }
    if (dto.id_token !== undefined) throw fieldError('id_token', `provider "${provider.info.name}" signs in with username and password, not an id_token`);
    const key = { username: `${provider.info.name}:${normalizeUsername(dto.username as string)}`, address: remoteAddress };
    await this.assertNotLocked(key);
    try {
      const { userId } = await provider.authenticate(request);
      await this.limiter.recordSuccess(key);
      return userId;
    } catch (err) {
      if (err instanceof ProtocolError && err.code === 'INVALID_CREDENTIALS') {
        await this.limiter.recordFailure(key);
        this.logger.warn(`${provider.info.name} login failed for "${key.username}" from ${remoteAddress}`);
      }
      throw err;
    }
  }

  private async assertNotLocked(key: { username: string; address: string }): Promise<void> {
    const wait = await this.limiter.retryAfterMs(key);
    if (wait > 0) {
      throw new ProtocolError('RATE_LIMITED', `too many failed logins; try again in ${Math.ceil(wait / 1000)} s`, undefined, {
        retry_after_ms: wait,
      });
    }
  }

  /** A new session for `userId` (and the older ones the session policy replaces). */
  private async startSession(userId: string, dto: Pick<LoginRequest, 'client_info'>, remoteAddress: string): Promise<LoginResult> {
    const device = dto.client_info.device;
    const issued = await this.sessions.create(userId, {
      device,
      clientVersion: dto.client_info.version,
      remoteAddress,
    });
    let replaced: string[] = [];
    if (this.config.sessionPolicy !== 'multi') {
      const older = await this.sessions.activeIds(userId, {
        except: issued.session_id,
        device: this.config.sessionPolicy === 'single-per-device' ? device : undefined,
      });
      replaced = await this.sessions.revoke(older, 'replaced');
    }
    return { ...issued, device, replaced, heartbeat_interval: this.presence.heartbeatIntervalS };
  }

  /** Revokes the caller's session, or all of the user's sessions; returns the other ones revoked. */
  async logout(userId: string, sessionId: string, allDevices: boolean): Promise<string[]> {
    await this.sessions.revoke([sessionId], 'logout');
    if (!allDevices) return [];
    return this.sessions.revoke(await this.sessions.activeIds(userId, { except: sessionId }), 'logout_all_devices');
  }

  /**
   * Revokes one session or all sessions of `targetUserId`. Admins may target anyone; a user may
   * target only their own sessions (e.g. a lost phone). Returns the ids revoked.
   */
  async kick(callerId: string, targetUserId: string, sessionId?: string): Promise<{ revoked: string[]; reason: KickReason }> {
    const reason: KickReason = callerId === targetUserId ? 'revoked' : 'admin';
    if (callerId !== targetUserId && !(await this.users.isAdmin(callerId))) {
      throw new ProtocolError('FORBIDDEN', "only administrators may revoke another user's sessions");
    }
    if (!(await this.users.findById(targetUserId))) {
      throw new ProtocolError('USER_NOT_FOUND', `user ${targetUserId} does not exist`);
    }
    if (sessionId === undefined) {
      return { revoked: await this.sessions.revoke(await this.sessions.activeIds(targetUserId), reason), reason };
    }
    const session = await this.sessions.findById(sessionId);
    if (!session || session.userId !== targetUserId) {
      throw new ProtocolError('NOT_FOUND', `session ${sessionId} does not exist for user ${targetUserId}; list them with auth/sessions`);
    }
    return { revoked: await this.sessions.revoke([sessionId], reason), reason };
  }

  async listSessions(callerId: string, targetUserId: string): Promise<SessionView[]> {
    if (callerId !== targetUserId && !(await this.users.isAdmin(callerId))) {
      throw new ProtocolError('FORBIDDEN', "only administrators may list another user's sessions");
    }
    return this.sessions.listActive(targetUserId);
  }
}

import { Injectable } from '@nestjs/common';
import type { ClientInfo } from '../../shared/protocol/messages/auth.messages';
import { ConnectionRegistry } from '../../transport/connection-registry';
import type { SwitchboardContext } from '../../transport/switchboard.context';
import { AuthService, LoginResult } from './auth.service';
import { SessionsService } from './sessions.service';

/**
 * Ends a successful sign-in on a connection: the new session is bound to it (events for the
 * user reach it) and the sessions the policy replaced are kicked. Used by auth/login and, through
 * the auth module's index, by sign-ins that complete in another command (auth/oidc-poll).
 */
@Injectable()
export class ConnectionLogin {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly registry: ConnectionRegistry,
  ) {}

  /** A session for `userId` (403 USER_DISABLED for a disabled account), bound to this connection. */
  async loginUser(ctx: SwitchboardContext, userId: string, clientInfo: ClientInfo): Promise<Omit<LoginResult, 'replaced' | 'device'>> {
    return this.complete(ctx, await this.auth.loginUser(userId, { client_info: clientInfo }, ctx.connection.remoteAddress));
  }

  async complete(ctx: SwitchboardContext, login: LoginResult): Promise<Omit<LoginResult, 'replaced' | 'device'>> {
    const { replaced, device, ...result } = login;
    this.bind(ctx, { userId: result.user_id, sessionId: result.session_id, device });
    // Bound first, so this connection is never among the replaced sessions' connections.
    if (replaced.length > 0) await this.sessions.kick(replaced, 'replaced');
    return result;
  }

  bind(ctx: SwitchboardContext, info: { userId: string; sessionId: string; device?: string }): void {
    const conn = ctx.connection;
    if (conn.closed) return;
    // A connection switching user or session leaves the old one first (presence sees it go).
    if (conn.userId !== undefined) this.registry.unbind(conn);
    this.registry.bind(conn, info);
    ctx.afterResponse(() => this.registry.emit('session-ready', conn));
  }
}

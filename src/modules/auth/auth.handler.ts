import { Controller } from '@nestjs/common';
import { MessagePattern, Payload, Ctx } from '@nestjs/microservices';
import { CurrentSession, CurrentUser } from '../../common/decorators/connection.decorator';
import { Public } from '../../common/decorators/public.decorator';
import { AuthCommands } from '../../shared/protocol';
import { ConnectionRegistry } from '../../transport/connection-registry';
import type { SwitchboardContext } from '../../transport/switchboard.context';
import { AuthMetrics } from './auth.metrics';
import { AuthService } from './auth.service';
import { ConnectionLogin } from './connection-login';
import {
  KickRequest,
  LoginRequest,
  LoginResponseDto,
  LogoutRequest,
  RefreshRequest,
  RefreshResponse,
  RegisterRequest,
  RegisterResponse,
  RevokedSessionsResponse,
  SessionsRequest,
  SessionsResponse,
} from '../../shared/protocol/messages/auth.messages';
import type { Reply } from '../../shared/protocol/messages/response-fields';
import { RefreshRefusedError } from './login-providers';
import { SessionsService, RefreshReusedError } from './sessions.service';

@Controller()
export class AuthHandler {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly registry: ConnectionRegistry,
    private readonly metrics: AuthMetrics,
    private readonly connectionLogin: ConnectionLogin,
  ) {}

  @Public()
  @MessagePattern(AuthCommands.REGISTER.name)
  register(@Payload() dto: RegisterRequest): Promise<Reply<RegisterResponse>> {
    return this.auth.register(dto);
  }

  /** Logs in and binds this connection to the new session (events for the user reach it). */
  @Public()
  @MessagePattern(AuthCommands.LOGIN.name, { ordered: true })
  async login(@Payload() dto: LoginRequest, @Ctx() ctx: SwitchboardContext): Promise<Reply<LoginResponseDto>> {
    const login = await this.auth.login(dto, ctx.connection.remoteAddress).catch((err) => this.countFailure(err));
    return this.connectionLogin.complete(ctx, login);
  }

  /** Rotates the refresh token. An unbound connection (a reconnect) is bound to the session. */
  @Public()
  @MessagePattern(AuthCommands.REFRESH.name, { ordered: true })
  async refresh(@Payload() dto: RefreshRequest, @Ctx() ctx: SwitchboardContext): Promise<Reply<RefreshResponse>> {
    const conn = ctx.connection;
    const result = await this.sessions.refresh(dto.refresh_token, conn.userId).catch((err) => {
      // Reuse: the 401 goes out first, then the session's connections (maybe this one) are kicked.
      if (err instanceof RefreshReusedError) ctx.afterResponse(() => void this.sessions.kick(err.revokedSessions, 'refresh_reused'));
      if (err instanceof RefreshRefusedError) ctx.afterResponse(() => void this.sessions.kick(err.revokedSessions, err.reason));
      return this.countFailure(err);
    });
    if (conn.sessionId !== result.session_id) {
      const session = await this.sessions.findById(result.session_id);
      this.connectionLogin.bind(ctx, { userId: result.user_id, sessionId: result.session_id, device: session?.device });
    }
    return result;
  }

  @MessagePattern(AuthCommands.LOGOUT.name, { ordered: true })
  async logout(@Payload() dto: LogoutRequest, @CurrentUser('session') { userId, sessionId }: CurrentSession, @Ctx() ctx: SwitchboardContext): Promise<Reply<RevokedSessionsResponse>> {
    const others = await this.auth.logout(userId, sessionId, dto.all_devices === true);
    // This session's connections (this one included) stay open but anonymous; other devices are
    // told why and closed.
    this.registry.unbind(ctx.connection);
    await this.sessions.unbindSession(sessionId);
    if (others.length > 0) await this.sessions.kick(others, 'logout_all_devices');
    return { revoked_sessions: [sessionId, ...others] };
  }

  /**
   * Revokes a session (or all sessions) of a user and kicks its connections: admins for anyone,
   * users for their own sessions only.
   */
  @MessagePattern(AuthCommands.KICK.name)
  async kick(@Payload() dto: KickRequest, @CurrentUser() userId: string, @Ctx() ctx: SwitchboardContext): Promise<Reply<RevokedSessionsResponse>> {
    const { revoked, reason } = await this.auth.kick(userId, dto.user_id, dto.session_id);
    // After the response, so a user revoking their own current session still gets the answer.
    ctx.afterResponse(() => void this.sessions.kick(revoked, reason));
    return { revoked_sessions: revoked };
  }

  @MessagePattern(AuthCommands.SESSIONS.name)
  async list(@Payload() dto: SessionsRequest, @CurrentUser('session') { userId, sessionId }: CurrentSession): Promise<Reply<SessionsResponse>> {
    const sessions = await this.auth.listSessions(userId, dto.user_id ?? userId);
    return { sessions: sessions.map((s) => ({ ...s, current: s.session_id === sessionId })) };
  }

  /** Counts failed logins/refreshes by error code (switchboard_auth_failures_total) and rethrows. */
  private countFailure(err: unknown): never {
    this.metrics.failure(err);
    throw err;
  }
}

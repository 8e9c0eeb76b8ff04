/**
 * The global bearer-token guard. Every handler needs `headers.Authorization: "Bearer <token>"`
 * unless marked `@Public()`. Besides the JWT itself it checks, on every request, that the session
 * is still active (a revoked session's tokens stop working at once, on every process, because the
 * session row is the source of truth) and that the token belongs to the user bound to the
 * connection. A valid token on a not-yet-bound connection binds it, so a client that reconnects
 * resumes with its token without logging in again.
 *
 * Per frame this costs next to nothing: the last verified token of each connection is remembered
 * with its expiry (a new token, or the same one past its `exp`, is verified again), and session
 * validity comes from the auth module's in-memory cache (bounded staleness, AUTH_SESSION_CACHE_MS).
 */
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProtocolError } from '../../shared/protocol';
import { ConnectionRegistry } from '../../transport/connection-registry';
import type { Connection } from '../../transport/connection';
import type { SwitchboardContext } from '../../transport/switchboard.context';
import { IS_PUBLIC } from '../decorators/public.decorator';
import { AccessTokenVerifier, VerifiedAccess } from './access-token-verifier';
import { HandlerMetadata } from './handler-metadata';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

@Injectable()
export class TokenGuard implements CanActivate {
  /** The Authorization header last verified on each connection (gone with the connection). */
  private readonly verified = new WeakMap<Connection, { header: string; access: VerifiedAccess }>();

  private readonly isPublic: HandlerMetadata<boolean>;

  constructor(
    reflector: Reflector,
    private readonly verifier: AccessTokenVerifier,
    private readonly registry: ConnectionRegistry,
  ) {
    this.isPublic = new HandlerMetadata(reflector, IS_PUBLIC);
  }

  /**
   * Synchronous for a connection's remembered token whose session validity is in memory (the
   * per-frame case): Nest's guards consumer awaits only guards that return a promise.
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // The HTTP ops endpoints (health, metrics) are not protocol handlers.
    if (context.getType() !== 'rpc') return true;
    if (this.isPublic.of(context)) return true;
    try {
      const result = this.authenticate(context);
      return result instanceof Promise ? result.catch((err: unknown) => this.refused(err)) : result;
    } catch (err) {
      return this.refused(err);
    }
  }

  private refused(err: unknown): never {
    if (ProtocolError.is(err)) this.verifier.failed(err);
    throw err;
  }

  private authenticate(context: ExecutionContext): boolean | Promise<boolean> {
    const ctx = context.switchToRpc().getContext<SwitchboardContext>();
    const conn = ctx.connection;
    const header = ctx.headers.Authorization ?? ctx.headers.authorization;
    if (header === undefined || header === null || header === '') {
      // Client events (heartbeats, typing) get no response to carry an error, so a bound
      // connection may send them without repeating the token; its session must still be live.
      if (ctx.envelope.type === 'event' && conn.userId !== undefined && conn.sessionId !== undefined) {
        return then(this.verifier.assertSessionActive(conn.userId, conn.sessionId), () => true);
      }
      throw new ProtocolError('TOKEN_MISSING', `"${ctx.command}" needs headers.Authorization: "Bearer <token>"; get a token with auth/login`);
    }
    return then(this.access(conn, header), (access) => this.admit(ctx, conn, access));
  }

  private admit(ctx: SwitchboardContext, conn: Connection, access: VerifiedAccess): boolean {
    if (conn.userId !== undefined) {
      if (conn.userId !== access.userId) {
        throw new ProtocolError('TOKEN_INVALID', 'token belongs to another user than the one logged in on this connection');
      }
      if (conn.sessionId !== access.sessionId) {
        throw new ProtocolError('TOKEN_INVALID', "token belongs to another session than this connection's; use this session's token or log in again");
      }
      return true;
    }
    if (conn.closed) return true;
    this.registry.bind(conn, access);
    // As after auth/login: what the client missed is delivered once it has this response.
    ctx.afterResponse(() => this.registry.emit('session-ready', conn));
    return true;
  }

  private access(conn: Connection, header: unknown): VerifiedAccess | Promise<VerifiedAccess> {
    const memo = this.verified.get(conn);
    if (memo !== undefined && memo.header === header && Date.now() < memo.access.expiresAt) {
      return then(this.verifier.assertSessionActive(memo.access.userId, memo.access.sessionId), () => memo.access);
    }
    return this.verify(conn, header);
  }

  private async verify(conn: Connection, header: unknown): Promise<VerifiedAccess> {
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    if (!match) {
      throw new ProtocolError('TOKEN_INVALID', 'headers.Authorization must be "Bearer <token>"');
    }
    const access = await this.verifier.verify(match[1]);
    this.verified.set(conn, { header: header as string, access });
    return access;
  }
}

/** `next(value)` now if `value` is not a promise, else once it resolves (no promise when not needed). */
function then<T, R>(value: T | Promise<T>, next: (value: T) => R): R | Promise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/**
 * The one way a handler learns who is calling: `@CurrentUser() userId: string`, or
 * `@CurrentUser('session') me: CurrentSession` when it also needs the session, connection id or
 * device. Both answer 401 TOKEN_MISSING when the connection is not logged in, so a handler
 * marked `@Public()` by mistake, or a connection unbound meanwhile (logout on another frame),
 * never reaches a service without a user. Services receive these ids, never the Connection.
 */
import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ProtocolError } from '../../shared/protocol';
import type { SwitchboardContext } from '../../transport/switchboard.context';

/** The logged-in session a frame arrived on. */
export interface CurrentSession {
  userId: string;
  sessionId: string;
  connectionId: string;
  /** `client_info.device` given at login, if any. */
  device?: string;
}

export function currentSession(ctx: SwitchboardContext): CurrentSession {
  const conn = ctx.connection;
  if (conn.userId === undefined || conn.sessionId === undefined) {
    throw new ProtocolError(
      'TOKEN_MISSING',
      `"${ctx.command}" needs a logged-in connection: log in with auth/login or send headers.Authorization: "Bearer <token>"`,
    );
  }
  return { userId: conn.userId, sessionId: conn.sessionId, connectionId: conn.id, device: conn.device };
}

export const CurrentUser = createParamDecorator((data: 'session' | undefined, ctx: ExecutionContext) => {
  const session = currentSession(ctx.switchToRpc().getContext<SwitchboardContext>());
  return data === 'session' ? session : session.userId;
});

/** The id of the connection a frame arrived on, logged in or not (e.g. for a `@Public()` echo). */
export const ConnectionId = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext) => ctx.switchToRpc().getContext<SwitchboardContext>().connection.id,
);

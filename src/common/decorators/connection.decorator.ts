import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { SwitchboardContext } from '../../transport/switchboard.context';

/** Injects the Connection the frame arrived on: `handle(@Conn() conn: Connection)`. */
export const Conn = createParamDecorator((_data: unknown, ctx: ExecutionContext) =>
  ctx.switchToRpc().getContext<SwitchboardContext>().connection,
);

/** Injects the authenticated user id (the token guard has run): `@CurrentUser() userId: string`. */
export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext) =>
  ctx.switchToRpc().getContext<SwitchboardContext>().connection.userId,
);

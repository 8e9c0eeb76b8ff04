/**
 * Test-only handlers mounted with `startTestApp(env, { imports: [TransportTestModule] })`, to
 * prove that Nest's guards and interceptors run for frames arriving through the transport, and
 * to produce large responses for backpressure tests.
 */
import { CallHandler, CanActivate, Controller, ExecutionContext, Injectable, Module, NestInterceptor, UseGuards, UseInterceptors } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { map, Observable, of } from 'rxjs';
import { CurrentSession, CurrentUser } from '../../src/common/decorators/connection.decorator';
import { Public } from '../../src/common/decorators/public.decorator';
import { ProtocolError } from '../../src/shared/protocol';
import type { SwitchboardContext } from '../../src/transport';
import { declareCommand } from '../../src/shared/protocol/command-declaration';

/** Lets a frame through only with `headers["x-test-pass"] === "yes"`. */
@Injectable()
export class HeaderPassGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToRpc().getContext<SwitchboardContext>().headers['x-test-pass'] === 'yes';
  }
}

/** Adds fields to the handler's result, including what it saw of the transport context. */
@Injectable()
export class StampInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const sb = context.switchToRpc().getContext<SwitchboardContext>();
    const seen = { command: sb.command, connection_id: sb.connection.id, frame_id: sb.envelope.id };
    return next.handle().pipe(map((result: Record<string, unknown>) => ({ ...result, intercepted: true, seen })));
  }
}

/** Answers without calling the handler when `payload.short_circuit` is set. */
@Injectable()
export class ShortCircuitInterceptor implements NestInterceptor {
  calls = 0;
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const payload = context.switchToRpc().getData<Record<string, unknown>>();
    if (payload.short_circuit) return of({ from: 'interceptor' });
    return next.handle();
  }
}

@Controller()
export class TransportTestHandler {
  handlerCalls = 0;

  /** Echoes the payload back (large payloads → large responses). */
  @Public()
  @MessagePattern('test/echo')
  echo(@Payload() payload: Record<string, unknown>) {
    return { echo: payload };
  }

  @Public()
  @UseGuards(HeaderPassGuard)
  @MessagePattern('test/guarded')
  guarded() {
    this.handlerCalls++;
    return { reached: 'handler' };
  }

  @Public()
  @UseInterceptors(StampInterceptor, ShortCircuitInterceptor)
  @MessagePattern('test/intercepted')
  intercepted() {
    this.handlerCalls++;
    return { from: 'handler' };
  }

  /** Public on purpose: proves @CurrentUser() itself refuses an anonymous connection. */
  @Public()
  @MessagePattern('test/whoami')
  whoami(@CurrentUser('session') me: CurrentSession, @CurrentUser() userId: string) {
    return { user_id: userId, session_id: me.sessionId, connection_id: me.connectionId };
  }

  @Public()
  @MessagePattern('test/fail')
  fail(@Payload() payload: { kind?: string }) {
    if (payload.kind === 'protocol') throw new ProtocolError('CONFLICT', 'test conflict', 409);
    throw new Error('secret internal detail');
  }
}

/** Pass with the module: `startTestApp(env, { imports: [TransportTestModule], commands: TRANSPORT_TEST_COMMANDS })`. */
export const TRANSPORT_TEST_COMMANDS = ['test/echo', 'test/guarded', 'test/intercepted', 'test/whoami', 'test/fail'].map((name) =>
  declareCommand({ name, direction: 'c2s', kind: 'request', auth: 'public', description: `Test-only handler ${name}.` }),
);

@Module({ controllers: [TransportTestHandler], providers: [HeaderPassGuard, StampInterceptor, ShortCircuitInterceptor] })
export class TransportTestModule {}

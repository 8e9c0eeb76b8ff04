/**
 * Nest's request pipeline runs for frames arriving through the Switchboard transport: guards,
 * interceptors (wrapping and short-circuiting) and the global exception filter, on test-only
 * handlers mounted with startTestApp's `imports` option.
 */
import { registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { expectAlive, lastConnection, NO_RATE_LIMIT } from '../../support/transport-helpers';
import { TRANSPORT_TEST_COMMANDS, TransportTestHandler, TransportTestModule } from '../../support/transport-test.module';

describe('guards, interceptors and filters through the transport', () => {
  let app: TestApp;
  let handler: TransportTestHandler;
  beforeAll(async () => {
    app = await startTestApp(NO_RATE_LIMIT, { imports: [TransportTestModule], commands: TRANSPORT_TEST_COMMANDS });
    handler = app.app.get(TransportTestHandler);
  });
  afterAll(async () => {
    await app.close();
  });

  // Guard: returning false refuses the frame with 403 FORBIDDEN, and the handler never runs.
  it('a guard that refuses answers 403 FORBIDDEN without running the handler', async () => {
    const client = await app.connect();
    const calls = handler.handlerCalls;
    const refused = await client.request('test/guarded', {}, { id: 'g-1' });
    expect(refused).toMatchObject({ id: 'g-1', command: 'test/guarded', payload: { status: 403, error_code: 'FORBIDDEN' } });
    expect(handler.handlerCalls).toBe(calls);
    await expectAlive(client);
  });

  // Guard: it reads the frame's headers through the SwitchboardContext and lets it through.
  it('a guard that allows (based on frame headers) lets the handler run', async () => {
    const client = await app.connect();
    const allowed = await client.request('test/guarded', {}, { headers: { 'x-test-pass': 'yes' } });
    expect(allowed.payload).toEqual({ status: 200, reached: 'handler' });
  });

  // Interceptor: wraps the handler's result and sees the transport context (command, conn, id).
  it('an interceptor transforms the result and sees the connection and frame', async () => {
    const client = await app.connect();
    await expectAlive(client);
    const conn = lastConnection(app);
    const response = await client.request('test/intercepted', {}, { id: 'i-1' });
    expect(response.payload).toEqual({
      status: 200,
      from: 'handler',
      intercepted: true,
      seen: { command: 'test/intercepted', connection_id: conn.id, frame_id: 'i-1' },
    });
  });

  // Interceptor: short-circuits, so the handler is not called and its answer is the response.
  it('an interceptor can answer instead of the handler', async () => {
    const client = await app.connect();
    const calls = handler.handlerCalls;
    const response = await client.request('test/intercepted', { short_circuit: true }, { id: 'i-2' });
    expect(response.payload).toMatchObject({ status: 200, from: 'interceptor', intercepted: true });
    expect(handler.handlerCalls).toBe(calls);
  });

  // Filter: a ProtocolError thrown by a handler keeps its status and code.
  it('a ProtocolError thrown by a handler becomes its error payload', async () => {
    const client = await app.connect();
    const response = await client.request('test/fail', { kind: 'protocol' });
    expect(response.payload).toEqual({ status: 409, error_code: 'CONFLICT', error_message: 'test conflict' });
  });

  // Filter: any other error is a retryable-looking 500 that does not leak the message.
  it('an unexpected error becomes 500 INTERNAL_ERROR without leaking internals', async () => {
    const client = await app.connect();
    const response = await client.request('test/fail', {});
    expect(response.payload).toMatchObject({ status: 500, error_code: 'INTERNAL_ERROR' });
    expect(JSON.stringify(response)).not.toContain('secret internal detail');
    await expectAlive(client);
  });

  // The one current-user decorator: 401 on an anonymous connection, the bound ids once logged in.
  it('@CurrentUser() answers 401 TOKEN_MISSING on a connection that is not logged in, and the ids once it is', async () => {
    const client = await app.connect();
    const anonymous = await client.request('test/whoami', {});
    expect(anonymous.payload).toMatchObject({ status: 401, error_code: 'TOKEN_MISSING', error_message: expect.stringContaining('auth/login') });
    await expectAlive(client);
    const user = await registerAndLogin(app, { client });
    const known = await client.call('test/whoami', {});
    expect(known).toMatchObject({ user_id: user.userId, session_id: user.sessionId, connection_id: lastConnection(app).id });
  });
});

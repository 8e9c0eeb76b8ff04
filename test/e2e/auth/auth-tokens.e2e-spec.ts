import { Controller, Module } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { JwtService } from '@nestjs/jwt';
import { MinVersion } from '../../../src/common/decorators/min-version.decorator';
import { Public } from '../../../src/common/decorators/public.decorator';
import { declareCommand } from '../../../src/shared/protocol/command-declaration';
import type { SwitchboardContext } from '../../../src/transport/switchboard.context';
import { registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';

const SECRET = 'test-secret-test-secret-test-secret-0123456789';

/** Test-only handlers: one needs a protocol version newer than any this build supports. */
@Controller()
class VersionedHandler {
  @Public()
  @MinVersion('9.0')
  @MessagePattern('test/future')
  future() {
    return { ok: true };
  }

  @Public()
  @MinVersion('1.0')
  @MessagePattern('test/current')
  current() {
    return { ok: true };
  }

  /** A client event that needs authentication; echoes so the test can see it ran. */
  @EventPattern<string>('test/event')
  event(@Payload() payload: { marker: string }, @Ctx() ctx: SwitchboardContext) {
    ctx.connection.sendEvent('test/echo', { marker: payload.marker, user_id: ctx.connection.userId });
  }
}

@Module({ controllers: [VersionedHandler] })
class VersionedModule {}

const VERSIONED_COMMANDS = [
  declareCommand({ name: 'test/future', direction: 'c2s', kind: 'request', auth: 'public', since: '9.0', description: 'Needs a future protocol version.' }),
  declareCommand({ name: 'test/current', direction: 'c2s', kind: 'request', auth: 'public', description: 'Needs protocol version 1.0.' }),
  declareCommand({ name: 'test/event', direction: 'c2s', kind: 'event', description: 'A client event that needs a token.' }),
];

describe('auth: token guard and version guard over real TCP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ AUTH_JWT_SECRET: SECRET }, { imports: [VersionedModule], commands: VERSIONED_COMMANDS });
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers 401 TOKEN_MISSING without headers.Authorization', async () => {
    const client = await app.connect();
    const r = await client.request('auth/sessions');
    expect(r.payload).toMatchObject({ status: 401, error_code: 'TOKEN_MISSING' });
    expect(r.payload.error_message).toContain('Bearer');
  });

  it('answers 401 TOKEN_INVALID for garbage, a foreign signature or a non-Bearer header', async () => {
    const { userId, sessionId } = await registerAndLogin(app);
    const client = await app.connect();
    const forged = new JwtService({ secret: 'another-secret-another-secret-another-secret' }).sign({ sub: userId, sid: sessionId, jti: 'x' }, { expiresIn: 60 });
    for (const header of ['Bearer not-a-jwt', `Bearer ${forged}`, 'Basic dXNlcjpwYXNz']) {
      const r = await client.request('auth/sessions', {}, { headers: { Authorization: header } });
      expect(r.payload).toMatchObject({ status: 401, error_code: 'TOKEN_INVALID' });
    }
    // None of them bound the connection: the user still has only the login connection.
    expect(app.transport.registry.forUser(userId).size).toBe(1);
  });

  it('answers 401 TOKEN_EXPIRED for an expired token of a live session', async () => {
    const { userId, sessionId } = await registerAndLogin(app);
    const past = Math.floor(Date.now() / 1000) - 120;
    const expired = new JwtService({ secret: SECRET }).sign({ sub: userId, sid: sessionId, jti: 'e', iat: past - 900, exp: past });
    const client = await app.connect();
    const r = await client.request('auth/sessions', {}, { headers: { Authorization: `Bearer ${expired}` } });
    expect(r.payload).toMatchObject({ status: 401, error_code: 'TOKEN_EXPIRED' });
    expect(r.payload.error_message).toContain('auth/refresh');
  });

  it("refuses another user's token on a bound connection with 401 TOKEN_INVALID", async () => {
    const alice = await registerAndLogin(app);
    const bob = await registerAndLogin(app);
    const r = await alice.client.request('auth/sessions', {}, { headers: { Authorization: `Bearer ${bob.token}` } });
    expect(r.payload).toMatchObject({ status: 401, error_code: 'TOKEN_INVALID' });
    expect(r.payload.error_message).toContain('another user');
    // The connection stays Alice's.
    expect(app.transport.registry.forUser(bob.userId).size).toBe(1);
    expect((await alice.client.call('auth/sessions')).sessions[0].session_id).toBe(alice.sessionId);
  });

  it('binds an anonymous connection that presents a valid token (resume after reconnect)', async () => {
    const alice = await registerAndLogin(app);
    const resumed = await app.connect();
    resumed.token = alice.token;
    const sessions = await resumed.call('auth/sessions');
    expect(sessions.sessions).toEqual([expect.objectContaining({ session_id: alice.sessionId, current: true })]);
    expect(app.transport.registry.forSession(alice.sessionId).size).toBe(2);
  });

  it("refuses a revoked session's unexpired token at once (401 SESSION_REVOKED)", async () => {
    const alice = await registerAndLogin(app);
    const elsewhere = await app.connect();
    elsewhere.token = alice.token;
    await elsewhere.call('auth/sessions');
    expect(await alice.client.call('auth/logout')).toMatchObject({ revoked_sessions: [alice.sessionId] });
    // Every connection of the session was unbound; the sockets stay open.
    expect(app.transport.registry.forSession(alice.sessionId).size).toBe(0);
    expect((await alice.client.request('control/ping')).payload.status).toBe(200);
    const r = await elsewhere.request('auth/sessions');
    expect(r.payload).toMatchObject({ status: 401, error_code: 'SESSION_REVOKED' });
    const fresh = await app.connect();
    fresh.token = alice.token;
    expect((await fresh.request('auth/sessions')).payload).toMatchObject({ status: 401, error_code: 'SESSION_REVOKED' });
  });

  it('accepts client events without a token on a bound connection, not on an anonymous one', async () => {
    const alice = await registerAndLogin(app);
    alice.client.token = undefined; // the SDK would add the header otherwise
    alice.client.sendEvent('test/event', { marker: 'bound' });
    alice.client.token = alice.token;
    const echo = await alice.client.waitFor('test/echo');
    expect(echo.payload).toEqual({ marker: 'bound', user_id: alice.userId });

    const anonymous = await app.connect();
    anonymous.sendEvent('test/event', { marker: 'anonymous' });
    // Refused without any I/O, so it is settled before this token-carrying event (a DB read) passes.
    anonymous.sendEvent('test/event', { marker: 'with-token' }, { Authorization: `Bearer ${alice.token}` });
    expect((await anonymous.waitFor('test/echo')).payload.marker).toBe('with-token');
    expect(anonymous.events.filter((e) => e.command === 'test/echo').map((e) => e.payload.marker)).toEqual(['with-token']);
  });

  it('keeps control/ping public', async () => {
    const client = await app.connect();
    expect((await client.request('control/ping')).payload.status).toBe(200);
  });

  it('answers 426 UNSUPPORTED_VERSION with the supported versions for a handler needing a newer version', async () => {
    const client = await app.connect();
    const r = await client.request('test/future');
    expect(r.payload).toMatchObject({ status: 426, error_code: 'UNSUPPORTED_VERSION', min_version: '9.0', supported_versions: ['1.0'] });
    expect(r.payload.error_message).toContain('9.0');
    expect(r.headers?.supported_versions).toEqual(['1.0']);
    expect((await client.request('test/current')).payload).toMatchObject({ status: 200, ok: true });
  });
});

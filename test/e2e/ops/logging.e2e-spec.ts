/**
 * Structured request logs over real TCP: every answered request produces one JSON line with the
 * connection id, command, frame id, status and duration; secrets never appear, even at debug
 * level where whole inbound frames are logged.
 */
import { registerAndLogin } from '../../support/users';
import { LogCapture } from '../../support/log-capture';
import { startTestApp, TestApp } from '../../support/test-app';

describe('structured logging (pino)', () => {
  let app: TestApp;
  const logs = new LogCapture();
  beforeAll(async () => {
    app = await startTestApp({ LOG_LEVEL: 'debug' }, { logStream: logs });
  });
  afterAll(async () => {
    await app.close();
  });

  it('logs each request with connection id, command, frame id, status and duration', async () => {
    const client = await app.connect();
    await client.request('control/ping', {}, { id: 'log-ping-1' });
    const bad = await client.request('no/such-command', {}, { id: 'log-bad-1' });
    expect(bad.payload.error_code).toBe('UNKNOWN_COMMAND');

    const [ok] = logs.find({ msg: 'request', frame_id: 'log-ping-1' });
    expect(ok).toMatchObject({
      level: 'info',
      command: 'control/ping',
      status: 200,
      context: 'Request',
    });
    expect(ok.conn_id).toMatch(/^c-/);
    expect(typeof ok.duration_ms).toBe('number');
    expect(typeof ok.time).toBe('string');
    expect(ok.user_id).toBeUndefined();

    const [failed] = logs.find({ msg: 'request', frame_id: 'log-bad-1' });
    expect(failed).toMatchObject({
      status: bad.payload.status,
      error_code: 'UNKNOWN_COMMAND',
      conn_id: ok.conn_id,
    });
  });

  it('never writes passwords, tokens or signatures, even in debug frame logs', async () => {
    const client = await app.connect();
    const secrets = [
      'pw-hunter2-XYZ',
      'tok-abcdef-123',
      'refresh-998877',
      'sig-deadbeef',
      'nested-pw-777',
    ];
    await client.request(
      'control/ping',
      {
        password: secrets[0],
        refresh_token: secrets[2],
        signature: secrets[3],
        credentials: { password: secrets[4] },
      },
      { id: 'log-secret-1', headers: { Authorization: `Bearer ${secrets[1]}` } },
    );
    const [frame] = logs
      .find({ msg: 'frame in', command: 'control/ping' })
      .filter((l) => (l.frame as { id?: string }).id === 'log-secret-1');
    // The frame was logged (so the test would see a leak), with every secret replaced.
    expect(frame).toBeDefined();
    expect(frame.frame).toMatchObject({
      headers: { Authorization: '[REDACTED]' },
      payload: {
        password: '[REDACTED]',
        refresh_token: '[REDACTED]',
        signature: '[REDACTED]',
        // A member named like a credential is replaced whole.
        credentials: '[REDACTED]',
      },
    });
    for (const secret of secrets) expect(logs.text).not.toContain(secret);
  });

  it('carries the user id once the connection is logged in, and never the login password or tokens', async () => {
    const user = await registerAndLogin(app, { password: 'pw-login-SECRET-4242' });
    await user.client.request('control/ping', {}, { id: 'log-authed-1' });
    const [line] = logs.find({ msg: 'request', frame_id: 'log-authed-1' });
    expect(line).toMatchObject({ user_id: user.userId, command: 'control/ping', status: 200 });
    // The login frame itself was logged at debug level, redacted.
    const login = logs.find({ msg: 'frame in', command: 'auth/login' });
    expect(login.length).toBeGreaterThan(0);
    for (const secret of [user.password, user.token, user.refreshToken])
      expect(logs.text).not.toContain(secret);
  });
});

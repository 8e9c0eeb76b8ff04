import { registerAndLogin } from '../../support/users';
import { LogCapture } from '../../support/log-capture';
import { startTestApp, TestApp } from '../../support/test-app';

describe('auth: passwords and tokens never reach the logs', () => {
  let app: TestApp;
  const logs = new LogCapture();
  beforeAll(async () => {
    // debug logs every inbound frame: the most that could ever leak.
    app = await startTestApp({ LOG_LEVEL: 'debug' }, { logStream: logs });
  });
  afterAll(async () => {
    await app.close();
  });

  it('register, login, failed login and refresh leave no password or token in the log lines', async () => {
    const password = 'Sup3r-Secret-Passw0rd-xyzzy';
    const user = await registerAndLogin(app, { password });
    const client = await app.connect();
    const wrong = 'Wr0ng-Guess-plugh-12345';
    const failed = await client.request('auth/login', { username: user.username, password: wrong, client_info: { device: 'd' } });
    expect(failed.payload.error_code).toBe('INVALID_CREDENTIALS');
    const refreshed = await user.client.call('auth/refresh', { refresh_token: user.refreshToken });
    await user.client.request('auth/sessions', {}, { headers: { Authorization: `Bearer ${refreshed.token}` } });

    // The capture works: the failed login was logged, naming the user.
    expect(logs.text).toContain(user.username.toLowerCase());
    expect(logs.raw.length).toBeGreaterThan(5);
    // ...and so were the login frames themselves (debug), with the secrets redacted.
    const frames = logs.find({ command: 'auth/login', msg: 'frame in' });
    expect(frames.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(frames)).toContain('[REDACTED]');
    for (const secret of [password, wrong, user.token, user.refreshToken, refreshed.token, refreshed.refresh_token]) {
      expect(logs.text).not.toContain(secret);
    }
  });
});

/**
 * Secrets never reach output: hostile frames carrying planted secrets (in any letter case, deep,
 * in arrays, in headers, in the command, in unparseable frames) are sent to a server logging at
 * `trace`, and the whole log output is grepped for every planted value. The server's own secrets
 * (SIGNING_KEY, AUTH_JWT_SECRET, issued tokens) must not appear either, and a configuration error
 * about PAYLOAD_KEYS never prints a fragment of the key (built server, stderr grepped).
 */
import { randomBytes } from 'node:crypto';
import { registerAndLogin } from '../../support/users';
import { LogCapture } from '../../support/log-capture';
import { runServerToExit } from '../../support/spawn-server';
import { startTestApp, TestApp } from '../../support/test-app';

const planted = (label: string) => `${label}-${randomBytes(16).toString('hex')}`;

describe('secrets never printed (LOG_LEVEL=trace, hostile frames)', () => {
  let app: TestApp;
  const logs = new LogCapture();
  const signingKey = planted('SIGNINGKEY');
  const jwtSecret = planted('JWTSECRET');
  beforeAll(async () => {
    // verify: unsigned frames still reach the handlers (and the frame log).
    app = await startTestApp({ LOG_LEVEL: 'trace', SIGNATURE_MODE: 'verify', SIGNING_KEY: signingKey, AUTH_JWT_SECRET: jwtSecret }, { logStream: logs });
  });
  afterAll(() => app.close());

  it('greps the whole log for every planted secret: none is there, while the frames were logged', async () => {
    const secrets: string[] = [signingKey, jwtSecret];
    const plant = (label: string) => {
      const s = planted(label);
      secrets.push(s);
      return s;
    };
    const user = await registerAndLogin(app);
    secrets.push(user.password, user.token, user.refreshToken);
    const client = await app.connect();
    const info = { device: 'test', version: '1' };

    await client.request('auth/login', { username: user.username, Password: plant('Password'), client_info: info });
    await client.request('auth/login', { username: user.username, PASSWORD: plant('PASSWORD'), passwd: plant('passwd'), client_info: info });
    await client.request('auth/sessions', {}, { headers: { AUTHORIZATION: `Bearer ${plant('AUTHZ')}` } });
    await client.request('auth/sessions', {}, { headers: { authorization: `Bearer ${plant('authz')}`, 'X-Api-Key': plant('apikey') } });
    await client.request('control/ping', { a: { b: { c: { d: { e: { f: { Api_Key: plant('deep') } } } } } } });
    await client.request('control/ping', { list: [{ Secret: plant('inarray') }, { client_secret: plant('clientsecret') }] });
    await client.request('control/ping', { note: `Bearer ${plant('bearerintext')}`, url: `redis://user:${plant('urlpw')}@host:6379` });
    await client.request('auth/refresh', { Refresh_Token: plant('refresh') });
    await client.request('auth/register', { username: 'x', Password: plant('weak') });
    // The command and id are logged as fields: a token pasted there is scrubbed too.
    await client.request(`Bearer ${plant('incommand')}`);
    await client.request('control/ping', {}, { id: `Bearer ${plant('inid')}` });
    // Frames that never parse or validate.
    client.writeRaw(`{"id":"bad","command":"auth/login","payload":{"password":"${plant('badjson')}"\n`);
    client.writeRaw(`{"id":"noenv","type":"request","payload":{"PassWord":"${plant('noenvelope')}"}}\n`);
    expect((await client.request('control/ping')).payload.status).toBe(200);

    // The frames were logged (so a leak would have been seen)...
    const inbound = logs.find({ msg: 'frame in' });
    expect(inbound.length).toBeGreaterThanOrEqual(10);
    const loginLine = inbound.find((l) => (l.frame as any)?.payload?.passwd !== undefined) as any;
    expect(loginLine.frame.payload).toMatchObject({ PASSWORD: '[REDACTED]', passwd: '[REDACTED]' });
    expect(logs.text).toMatch(/"level":"trace"/);
    // ...and none of the secrets is anywhere in the output.
    for (const secret of secrets) expect({ secret, found: logs.text.includes(secret) }).toEqual({ secret, found: false });
  });
});

describe('configuration errors never print a fragment of a key (built server)', () => {
  it('a malformed PAYLOAD_KEYS (no kid, bad base64, wrong length) names the variable and the rule only', async () => {
    const key = randomBytes(32).toString('base64');
    for (const value of [key, `k1:${key.slice(0, 20)}`, `k1:${key}!!`, `k1:${key},${key}`]) {
      const result = await runServerToExit({ PAYLOAD_ENCRYPTION: 'aes-256-gcm', PAYLOAD_KEYS: value }, 60_000);
      expect(result.code).toBe(1);
      const output = [...result.stdout, ...result.stderr].join('\n');
      expect(output).toMatch(/^Invalid configuration: PAYLOAD_KEYS=\(hidden\): /m);
      // No 6-character run of the key material appears.
      for (let i = 0; i + 6 <= key.length; i += 3) expect(output).not.toContain(key.slice(i, i + 6));
    }
  }, 120_000);
});

import { UsersService } from '../../../src/modules/auth/users.service';
import { login, registerAndLogin, uniqueUsername } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';

describe('auth: register and login over real TCP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('registers, then logs in with the exact payload of the protocol draft', async () => {
    const client = await app.connect();
    const reg = await client.request('auth/register', { username: 'alice', password: 'correct-horse', display_name: 'Alice' });
    expect(reg.payload).toMatchObject({ status: 200, username: 'alice', display_name: 'Alice' });
    expect(reg.payload.user_id).toMatch(/^u-[0-9a-f]{16}$/);

    const response = await client.request(
      'auth/login',
      { username: 'alice', password: 'correct-horse', client_info: { device: 'windows', version: 'cli-0.1.0' } },
      { id: '9fbb4e7e-73f6-4e71-9f44-70cdaeb71b0b' },
    );
    expect(response).toMatchObject({ id: '9fbb4e7e-73f6-4e71-9f44-70cdaeb71b0b', type: 'response', command: 'auth/login' });
    expect(response.payload).toMatchObject({ status: 200, user_id: reg.payload.user_id, expires_in: 900 });
    expect(response.payload.token.split('.')).toHaveLength(3);
    expect(response.payload.refresh_token).toMatch(/^rt_/);
    expect(response.payload.session_id).toMatch(/^s-/);
    const claims = JSON.parse(Buffer.from(response.payload.token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ sub: reg.payload.user_id, sid: response.payload.session_id });
    expect(typeof claims.jti).toBe('string');
    expect(claims.exp - claims.iat).toBe(900);

    // The connection is now bound: an authenticated request works with the token.
    client.token = response.payload.token;
    const sessions = await client.call('auth/sessions');
    expect(sessions.sessions).toEqual([
      expect.objectContaining({ session_id: response.payload.session_id, device: 'windows', client_version: 'cli-0.1.0', current: true }),
    ]);
    expect(app.transport.registry.forUser(reg.payload.user_id).size).toBe(1);
  });

  it('rejects a taken username case-insensitively with 409 USERNAME_TAKEN', async () => {
    const client = await app.connect();
    const name = uniqueUsername('Bob');
    await client.call('auth/register', { username: name, password: 'long-enough-1' });
    const again = await client.request('auth/register', { username: name.toUpperCase(), password: 'long-enough-1' });
    expect(again.payload).toMatchObject({ status: 409, error_code: 'USERNAME_TAKEN' });
  });

  it('says the username and password rules', async () => {
    const client = await app.connect();
    const badName = await client.request('auth/register', { username: 'no spaces!', password: 'long-enough-1' });
    expect(badName.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(badName.payload.error_message).toContain('3-32 characters');
    const short = await client.request('auth/register', { username: uniqueUsername(), password: 'short' });
    expect(short.payload).toMatchObject({ status: 400, error_code: 'WEAK_PASSWORD' });
    expect(short.payload.error_message).toContain('8-256 characters');
    const name = uniqueUsername();
    const same = await client.request('auth/register', { username: name, password: name.toUpperCase() });
    expect(same.payload).toMatchObject({ status: 400, error_code: 'WEAK_PASSWORD' });
    expect(same.payload.error_message).toContain('must not equal the username');
  });

  it('answers the same 401 INVALID_CREDENTIALS for an unknown user and a wrong password', async () => {
    const { username } = await registerAndLogin(app);
    const client = await app.connect();
    const wrongPassword = await client.request('auth/login', { username, password: 'wrong-password', client_info: { device: 'd' } });
    const unknownUser = await client.request('auth/login', { username: uniqueUsername('ghost'), password: 'wrong-password', client_info: { device: 'd' } });
    for (const r of [wrongPassword, unknownUser]) {
      expect(r.payload).toMatchObject({ status: 401, error_code: 'INVALID_CREDENTIALS', error_message: 'wrong username or password' });
    }
    expect(Object.keys(wrongPassword.payload).sort()).toEqual(Object.keys(unknownUser.payload).sort());
  });

  it('spends comparable time on an unknown user as on a wrong password (dummy argon2 verification)', async () => {
    const { username } = await registerAndLogin(app);
    const client = await app.connect();
    const time = async (name: string) => {
      const started = process.hrtime.bigint();
      const r = await client.request('auth/login', { username: name, password: 'wrong-password', client_info: { device: 'd' } });
      expect(r.payload.error_code).toBe('INVALID_CREDENTIALS');
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i++) {
      wrong.push(await time(username));
      unknown.push(await time(uniqueUsername('nobody')));
    }
    // Without the dummy hash an unknown user would answer in ~1 ms against tens of ms.
    expect(median(unknown)).toBeGreaterThan(median(wrong) * 0.4);
  });

  it('answers 403 USER_DISABLED for a disabled account (correct password)', async () => {
    const user = await registerAndLogin(app);
    await app.app.get(UsersService).setDisabled(user.userId, true);
    const client = await app.connect();
    const r = await client.request('auth/login', { username: user.username, password: user.password, client_info: { device: 'd' } });
    expect(r.payload).toMatchObject({ status: 403, error_code: 'USER_DISABLED' });
  });

  it('requires client_info.device and names the field', async () => {
    const client = await app.connect();
    const r = await client.request('auth/login', { username: 'alice', password: 'correct-horse' });
    expect(r.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(r.payload.error_message).toContain('client_info');
  });

  it('login() helper sets the token on the client', async () => {
    const user = await registerAndLogin(app);
    const other = await app.connect();
    const payload = await login(other, user.username, user.password, 'second-device');
    expect(other.token).toBe(payload.token);
    expect((await other.call('auth/sessions')).sessions).toHaveLength(2);
  });
});

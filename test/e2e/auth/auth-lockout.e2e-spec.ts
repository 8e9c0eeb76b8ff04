import { MetricsService } from '../../../src/common/metrics/metrics.service';
import { registerAndLogin, uniqueUsername } from '../../support/users';
import { describeWith } from '../../support/requires';
import { startTestApp, TestApp } from '../../support/test-app';

describe('auth/login brute-force limiter over real TCP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ AUTH_LOGIN_MAX_FAILURES: '3', AUTH_LOGIN_WINDOW_S: '60', AUTH_LOGIN_LOCK_S: '30' });
  });
  afterAll(async () => {
    await app.close();
  });

  const attempt = async (username: string, password: string) => {
    const client = await app.connect();
    return (await client.request('auth/login', { username, password, client_info: { device: 'd' } })).payload;
  };

  it('locks (address, username) after the configured failures with 429 RATE_LIMITED and retry_after_ms, even for the right password', async () => {
    const victim = await registerAndLogin(app);
    for (let i = 0; i < 3; i++) {
      expect(await attempt(victim.username, 'wrong-password')).toMatchObject({ status: 401, error_code: 'INVALID_CREDENTIALS' });
    }
    const locked = await attempt(victim.username, victim.password);
    expect(locked).toMatchObject({ status: 429, error_code: 'RATE_LIMITED' });
    expect(locked.retry_after_ms).toBeGreaterThan(25_000);
    expect(locked.retry_after_ms).toBeLessThanOrEqual(30_000);
    // Case variations of the username are the same account, hence the same lock.
    expect(await attempt(victim.username.toUpperCase(), victim.password)).toMatchObject({ status: 429 });
  });

  it('does not lock out an innocent neighbour behind the same address who logs in correctly', async () => {
    const victim = await registerAndLogin(app);
    const neighbour = await registerAndLogin(app);
    for (let i = 0; i < 3; i++) await attempt(victim.username, 'wrong-password');
    expect(await attempt(victim.username, victim.password)).toMatchObject({ status: 429 });
    // Same remote address (127.0.0.1), different account: fine.
    expect(await attempt(neighbour.username, neighbour.password)).toMatchObject({ status: 200 });
  });

  it('locks unknown usernames exactly like existing ones (no enumeration through the limiter)', async () => {
    const ghost = uniqueUsername('ghost');
    for (let i = 0; i < 3; i++) expect(await attempt(ghost, 'wrong-password')).toMatchObject({ status: 401 });
    expect(await attempt(ghost, 'wrong-password')).toMatchObject({ status: 429, error_code: 'RATE_LIMITED' });
  });

  it('a success resets the counter of the pair', async () => {
    const user = await registerAndLogin(app);
    for (let i = 0; i < 2; i++) await attempt(user.username, 'wrong-password');
    expect(await attempt(user.username, user.password)).toMatchObject({ status: 200 });
    for (let i = 0; i < 2; i++) expect(await attempt(user.username, 'wrong-password')).toMatchObject({ status: 401 });
    expect(await attempt(user.username, user.password)).toMatchObject({ status: 200 });
  });
});

describe('auth failure metrics', () => {
  it('counts failed logins, lockouts and token failures by reason in switchboard_auth_failures_total', async () => {
    const app = await startTestApp({ AUTH_LOGIN_MAX_FAILURES: '2' });
    try {
      const client = await app.connect();
      const user = uniqueUsername();
      for (let i = 0; i < 3; i++) await client.request('auth/login', { username: user, password: 'wrong-password', client_info: { device: 'd' } });
      await client.request('auth/sessions');
      const text = await app.app.get(MetricsService).registry.metrics();
      expect(text).toMatch(/switchboard_auth_failures_total\{reason="invalid_credentials"\} 2/);
      expect(text).toMatch(/switchboard_auth_failures_total\{reason="rate_limited"\} 1/);
      expect(text).toMatch(/switchboard_auth_failures_total\{reason="token_missing"\} 1/);
    } finally {
      await app.close();
    }
  });
});

const redisUrl = process.env.TEST_REDIS_URL;
describeWith({ redis: true }, 'login limiter shared by two nodes through Redis', () => {
  it('failures seen by one node lock the account on the other; the neighbour still logs in on both', async () => {
    const env = { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `sbtest-${process.pid}-${Date.now()}:`, AUTH_LOGIN_MAX_FAILURES: '3', AUTH_JWT_SECRET: 'shared-secret-shared-secret-shared-secret' };
    const nodeA = await startTestApp(env);
    // Node B shares node A's database and Redis.
    const nodeB = await startTestApp({ ...env, ...nodeA.db.env });
    try {
      const victim = await registerAndLogin(nodeA);
      const neighbour = await registerAndLogin(nodeA);
      const attempt = async (node: TestApp, username: string, password: string) =>
        (await (await node.connect()).request('auth/login', { username, password, client_info: { device: 'd' } })).payload;
      await attempt(nodeA, victim.username, 'wrong-password');
      await attempt(nodeB, victim.username, 'wrong-password');
      await attempt(nodeA, victim.username, 'wrong-password');
      expect(await attempt(nodeB, victim.username, victim.password)).toMatchObject({ status: 429, error_code: 'RATE_LIMITED' });
      expect(await attempt(nodeA, victim.username, victim.password)).toMatchObject({ status: 429 });
      expect(await attempt(nodeB, neighbour.username, neighbour.password)).toMatchObject({ status: 200 });
    } finally {
      await nodeB.close();
      await nodeA.close();
    }
  });
});

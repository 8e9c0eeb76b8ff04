/**
 * Login storm: password hashing runs at most AUTH_HASH_CONCURRENCY at a time with at most
 * AUTH_HASH_QUEUE_MAX waiting; every login beyond that is answered at once with 503 UNAVAILABLE
 * and a jittered retry_after_ms (not after the queue drained), while clients resuming with their
 * access token are served throughout (no hash needed).
 */
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';

describe('login storm', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      AUTH_HASH_CONCURRENCY: '1',
      AUTH_HASH_QUEUE_MAX: '2',
      AUTH_HASH_RETRY_AFTER_MS: '1000',
      AUTH_LOGIN_MAX_FAILURES: '1000',
      AUTH_LOGIN_ADDRESS_MAX_FAILURES: '1000',
      AUTH_LOGIN_USER_MAX_FAILURES: '1000',
      RATE_LIMIT_CONN_RPS: '0',
    });
  });
  afterAll(() => app.close());

  it('refuses logins beyond the queue at once with 503 + jittered retry_after_ms; token resumes keep working', async () => {
    const user = await registerAndLogin(app);
    const STORM = 30;
    const clients: SwitchboardClient[] = await Promise.all(Array.from({ length: STORM }, () => app.connect()));
    const resumed = await app.connect();
    resumed.token = user.token;

    let order = 0;
    const answers = await Promise.all(
      clients.map(async (c) => {
        const res = await c.request('auth/login', { username: user.username, password: user.password, client_info: { device: `d${order}`, version: '1' } });
        return { at: ++order, payload: res.payload as { status: number; error_code?: string; retry_after_ms?: number } };
      }),
    );
    // A client resuming with its access token during the storm: no password hash, served.
    expect((await resumed.call('group/list', {})).status).toBe(200);

    const ok = answers.filter((a) => a.payload.status === 200);
    const refused = answers.filter((a) => a.payload.status !== 200);
    console.info(`login-storm: ${ok.length} logged in, ${refused.length} refused with 503 out of ${STORM} at once (concurrency 1, queue 2)`);
    expect(ok.length).toBeGreaterThanOrEqual(3);
    // How many arrive while the slot and queue are full depends on scheduling (26 and 15 of 30
    // seen on a loaded and a busy machine); without the bound none would be refused.
    expect(refused.length).toBeGreaterThanOrEqual(STORM / 4);
    for (const r of refused) {
      expect(r.payload).toEqual(expect.objectContaining({ status: 503, error_code: 'UNAVAILABLE', retry_after_ms: expect.any(Number) }));
      expect(r.payload.retry_after_ms).toBeGreaterThanOrEqual(1000);
      expect(r.payload.retry_after_ms).toBeLessThanOrEqual(2000);
    }
    // Jittered: refused clients do not all come back at the same moment.
    expect(new Set(refused.map((r) => r.payload.retry_after_ms)).size).toBeGreaterThan(1);
    // Fast: the refusals were answered before the queued logins finished, not after waiting.
    const lastOk = Math.max(...ok.map((a) => a.at));
    expect(refused.filter((r) => r.at < lastOk).length).toBeGreaterThan(refused.length / 2);

    // Retrying after retry_after_ms works once the storm passed.
    const retry = await clients[answers.indexOf(refused[0])].request('auth/login', { username: user.username, password: user.password, client_info: { device: 'retry', version: '1' } });
    expect(retry.payload.status).toBe(200);
  }, 60_000);
});

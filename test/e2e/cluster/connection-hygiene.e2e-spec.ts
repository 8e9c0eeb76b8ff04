/**
 * Connection slots cannot be held without credentials: AUTH_TIMEOUT_MS closes a connection that
 * has not logged in (pinging does not extend it; a logout starts it again), MAX_CONNECTIONS_PER_IP
 * caps one address, and /health/ready reports not-ready while the node is at MAX_CONNECTIONS so a
 * load balancer routes new clients elsewhere.
 */
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';

const isControlError = (code: string) => (f: { command: string; payload: Record<string, unknown> }) => f.command === 'control/error' && f.payload.error_code === code;

describe('AUTH_TIMEOUT_MS', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ AUTH_TIMEOUT_MS: '2000', RATE_LIMIT_CONN_RPS: '0' });
  });
  afterAll(() => app.close());

  it('closes a connection that keeps pinging but never logs in, and keeps logged-in ones', async () => {
    const user = await registerAndLogin(app);
    const anon = await app.connect();
    const closedAt = anon.waitFor(isControlError('AUTH_TIMEOUT'), { timeoutMs: 10_000 });
    // Keep it busy: every ping is answered, yet the timeout is not extended.
    let pings = 0;
    while (anon.isOpen && pings < 20_000) {
      const res = await anon.request('control/ping', {}).catch(() => undefined);
      if (!res) break;
      pings++;
    }
    const notice = await closedAt;
    expect(notice.payload).toEqual(expect.objectContaining({ status: 401, error_code: 'AUTH_TIMEOUT', error_message: expect.stringContaining('auth/login') }));
    await anon.closed;
    expect(pings).toBeGreaterThan(0);
    // The logged-in connection is older than the timeout and still served.
    expect((await user.client.call('control/ping')).status).toBe(200);
  });

  it('starts the timeout again after a logout', async () => {
    const user = await registerAndLogin(app);
    const notice = user.client.waitFor(isControlError('AUTH_TIMEOUT'), { timeoutMs: 10_000 });
    await user.client.call('auth/logout', {});
    expect((await notice).payload.error_code).toBe('AUTH_TIMEOUT');
    await user.client.closed;
  });
});

describe('MAX_CONNECTIONS_PER_IP and readiness at MAX_CONNECTIONS', () => {
  it('refuses the connection over the per-address cap with 503 TOO_MANY_CONNECTIONS, and accepts again once one closed', async () => {
    const app = await startTestApp({ MAX_CONNECTIONS_PER_IP: '3' });
    try {
      const held = await Promise.all([app.connect(), app.connect(), app.connect()]);
      const extra = await SwitchboardClient.connect({ port: app.tcpPort, timeoutMs: 5000 });
      const refused = await extra.waitFor(isControlError('TOO_MANY_CONNECTIONS'));
      expect(refused.payload).toEqual(expect.objectContaining({ status: 503, retry_after_ms: expect.any(Number), error_message: expect.stringContaining('your address') }));
      await extra.closed;
      await held[0].close();
      // The server learns of the close asynchronously: a client retries after retry_after_ms.
      let again: SwitchboardClient | undefined;
      for (let i = 0; i < 20 && !again; i++) {
        const c = await SwitchboardClient.connect({ port: app.tcpPort, timeoutMs: 5000 });
        const res = await c.request('control/ping', {}).catch(() => undefined);
        if (res?.payload.status === 200) again = c;
        else {
          c.destroy();
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      expect(again).toBeDefined();
      again!.destroy();
    } finally {
      await app.close();
    }
  });

  it('reports not-ready on /health/ready while at MAX_CONNECTIONS, ready again below it', async () => {
    const app = await startTestApp({ MAX_CONNECTIONS: '2' });
    const ready = async () => {
      const res = await fetch(`http://127.0.0.1:${app.httpPort}/health/ready`);
      return { status: res.status, body: (await res.json()) as { error?: Record<string, { message?: string }> } };
    };
    try {
      expect((await ready()).status).toBe(200);
      const a = await app.connect();
      const b = await app.connect();
      expect((await b.call('control/ping')).status).toBe(200);
      const full = await ready();
      expect(full.status).toBe(503);
      expect(full.body.error?.tcp?.message).toContain('MAX_CONNECTIONS');
      await a.close();
      let status = 503;
      for (let i = 0; i < 40 && status !== 200; i++) {
        status = (await ready()).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

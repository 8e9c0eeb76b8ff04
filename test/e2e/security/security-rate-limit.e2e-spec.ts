/**
 * Request rate limits over real TCP (the per-connection ones over WebSocket too): per-connection
 * buckets with 429 + retry_after_ms, flood close, heartbeats on their own bucket, and a per-user
 * bucket shared across connections.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { RateLimitPlugin } from '../../../src/common/security/rate-limit.plugin';
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { login, registerAndLogin } from '../../support/users';
import { startTestApp, TestApp, TRANSPORT_KINDS } from '../../support/test-app';

const ping = (id: string) => `${JSON.stringify({ id, type: 'request', command: 'control/ping', payload: {} })}\n`;

/** Sends `n` pings pipelined (written back to back) and returns their statuses in sending order. */
async function pipelinedPings(client: SwitchboardClient, n: number): Promise<number[]> {
  const responses = await Promise.all(Array.from({ length: n }, () => client.request('control/ping')));
  return responses.map((r) => r.payload.status);
}

describe.each(TRANSPORT_KINDS)('per-connection rate limit over %s', (kind) => {
  let app: TestApp;
  const connect = () => app.connect({ transport: kind });
  beforeAll(async () => {
    app = await startTestApp({
      WS_PORT: '0',
      // 1 token/s: pipelined frames arrive within milliseconds, far from a refill.
      RATE_LIMIT_CONN_RPS: '1',
      RATE_LIMIT_CONN_BURST: '5',
      RATE_LIMIT_USER_RPS: '0',
      RATE_LIMIT_FLOOD_STRIKES: '5',
      RATE_LIMIT_HEARTBEAT_RPS: '1',
      RATE_LIMIT_HEARTBEAT_BURST: '3',
    });
  });
  afterAll(() => app.close());

  it('answers 429 RATE_LIMITED with retry_after_ms once the burst is spent, and serves again after that time', async () => {
    const client = await connect();
    expect(await pipelinedPings(client, 5)).toEqual([200, 200, 200, 200, 200]);
    const limited = await client.request('control/ping');
    expect(limited.payload).toMatchObject({ status: 429, error_code: 'RATE_LIMITED' });
    expect(limited.payload.error_message).toMatch(/too many requests on this connection; retry after \d+ ms/);
    const retryAfter = limited.payload.retry_after_ms as number;
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(1000);
    // Another connection has its own bucket.
    const other = await connect();
    expect((await other.request('control/ping')).payload.status).toBe(200);
    // Honouring retry_after_ms is what the protocol asks of clients.
    await delay(retryAfter);
    expect((await client.request('control/ping')).payload.status).toBe(200);
    expect(client.isOpen).toBe(true);
  });

  it('closes a connection that keeps flooding: 429s, then control/error RATE_LIMITED, then FIN', async () => {
    const client = await connect();
    client.writeRaw(Array.from({ length: 15 }, (_, i) => ping(`flood-${i}`)).join(''));
    const notice = await client.waitFor('control/error');
    expect(notice.payload).toMatchObject({ status: 429, error_code: 'RATE_LIMITED' });
    expect(notice.payload.retry_after_ms).toBeGreaterThan(0);
    expect(notice.payload.error_message).toMatch(/closed after 5 consecutive rate-limited frames/);
    await client.closed;
    // Refusals are answered synchronously and pings after their handler, so compare by id.
    const statusOf = (id: string) => client.events.find((f) => f.type === 'response' && f.id === id)?.payload.status;
    expect(Array.from({ length: 10 }, (_, i) => statusOf(`flood-${i}`))).toEqual([200, 200, 200, 200, 200, 429, 429, 429, 429, 429]);
    // The notice is the last frame: nothing was answered after it.
    expect(client.events[client.events.length - 1]).toBe(notice);
  });

  /**
   * Regression: client `type: "response"` frames returned before the transport plugins ran, so a
   * client could flood responses (a JSON parse each) without ever being rate-limited.
   */
  it('counts client response frames against the limit too: a response flood is closed', async () => {
    const client = await connect();
    const response = (i: number) => `${JSON.stringify({ id: `r-${i}`, type: 'response', command: 'control/ping', payload: { status: 200 } })}\n`;
    client.writeRaw(Array.from({ length: 15 }, (_, i) => response(i)).join(''));
    const notice = await client.waitFor('control/error');
    expect(notice.payload).toMatchObject({ status: 429, error_code: 'RATE_LIMITED' });
    await client.closed;
  });

  it('a successful frame resets the strike count: slow retries are never disconnected', async () => {
    const client = await connect();
    expect(await pipelinedPings(client, 5)).toEqual([200, 200, 200, 200, 200]);
    for (let round = 0; round < 2; round++) {
      // 4 refusals in a row: one short of RATE_LIMIT_FLOOD_STRIKES.
      const refused = await Promise.all(Array.from({ length: 4 }, () => client.request('control/ping')));
      expect(refused.map((r) => r.payload.status)).toEqual([429, 429, 429, 429]);
      await delay(Math.max(...refused.map((r) => r.payload.retry_after_ms as number)));
      expect((await client.request('control/ping')).payload.status).toBe(200);
    }
    expect(client.isOpen).toBe(true);
  });

  it('heartbeats use their own bucket: a throttled connection still gets its heartbeats echoed, and heartbeats are limited too', async () => {
    const plugin = app.app.get(RateLimitPlugin);
    const client = await connect();
    expect(await pipelinedPings(client, 6)).toEqual([200, 200, 200, 200, 200, 429]);
    const limitedBefore = plugin.limited;
    for (let seq = 1; seq <= 4; seq++) client.sendEvent('presence/heartbeat', { seq });
    // Frames are checked in arrival order: once this answer is in, all four heartbeats were checked.
    expect((await client.request('control/ping')).payload.status).toBe(429);
    const echoes = await client.waitForCount((f) => f.command === 'presence/heartbeat', 3);
    expect(echoes.map((f) => f.payload.seq)).toEqual([1, 2, 3]);
    // The 4th heartbeat and the ping were refused (events get no response, only the counter moves).
    expect(plugin.limited - limitedBefore).toBe(2);
  });
});

describe('per-user rate limit', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '1', RATE_LIMIT_USER_BURST: '6', RATE_LIMIT_FLOOD_STRIKES: '0' });
  });
  afterAll(() => app.close());

  it('is shared by all connections of a user and does not affect other users', async () => {
    const alice = await registerAndLogin(app, { device: 'laptop' });
    const second = await app.connect();
    await login(second, alice.username, alice.password, 'phone');
    const bob = await registerAndLogin(app, { device: 'laptop' });

    // The per-connection limit is off here: only the shared per-user bucket (6 tokens) applies.
    const [fromFirst, fromSecond] = await Promise.all([pipelinedPings(alice.client, 3), pipelinedPings(second, 3)]);
    expect([...fromFirst, ...fromSecond]).toEqual([200, 200, 200, 200, 200, 200]);
    const [limitedFirst, limitedSecond] = await Promise.all([alice.client.request('control/ping'), second.request('control/ping')]);
    for (const limited of [limitedFirst, limitedSecond]) {
      expect(limited.payload).toMatchObject({ status: 429, error_code: 'RATE_LIMITED' });
      expect(limited.payload.error_message).toMatch(/connection or account/);
      expect(limited.payload.retry_after_ms).toBeGreaterThan(0);
    }
    expect((await bob.client.request('control/ping')).payload.status).toBe(200);
    // With FLOOD_STRIKES=0 nobody is disconnected.
    expect(alice.client.isOpen && second.isOpen).toBe(true);
  });
});

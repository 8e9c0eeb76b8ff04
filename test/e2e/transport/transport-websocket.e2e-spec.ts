/**
 * What only the WebSocket listener (WS_PORT) has, over real sockets: the origin check, the
 * X-Forwarded-For rule (trusted proxies only), permessage-deflate off by default, ping/pong
 * keepalive, non-WebSocket requests, binary messages on the control path, the PROXY protocol in
 * front of the upgrade, the per-address caps under the forwarded address, the unfinished-message
 * bytes of unauthenticated connections, and drain. The cases shared with TCP run in the
 * parameterised transport specs (framing, limits, backpressure, rate limits, TLS).
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { WebSocket } from 'ws';
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { startTestApp, TestApp } from '../../support/test-app';
import { expectAlive, lastConnection, NO_RATE_LIMIT } from '../../support/transport-helpers';

/** Opens a raw ws client; resolves with it once open, or with the HTTP status of a refused upgrade. */
function open(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<{ ws?: WebSocket; status?: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode });
      res.resume();
    });
    ws.once('error', reject);
  });
}

/** Resolves once `condition` holds (polled on timers, bounded). */
async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('WebSocket listener', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      ...NO_RATE_LIMIT,
      WS_PORT: '0',
      WS_ALLOWED_ORIGINS: 'https://chat.example.com,http://localhost:8080',
      WS_TRUSTED_PROXIES: '127.0.0.0/8',
      MAX_CONNECTIONS_PER_IP: '2',
      MAX_UNAUTHENTICATED_BYTES_PER_IP: '4096',
    });
  });
  afterAll(() => app.close());

  it('is off unless WS_PORT is set', async () => {
    const plain = await startTestApp();
    try {
      expect(plain.transport.wsPort).toBeUndefined();
    } finally {
      await plain.close();
    }
  });

  it('lets listed origins and requests without Origin in, and refuses other origins with 403', async () => {
    for (const origin of ['https://chat.example.com', 'http://localhost:8080']) {
      const { ws } = await open(app.wsUrl!, { origin });
      expect(ws?.readyState).toBe(WebSocket.OPEN);
      ws!.terminate();
    }
    const { ws } = await open(app.wsUrl!);
    expect(ws?.readyState).toBe(WebSocket.OPEN);
    ws!.terminate();
    expect(await open(app.wsUrl!, { origin: 'https://evil.example' })).toEqual({ status: 403 });
    expect(await open(app.wsUrl!, { origin: 'https://chat.example.com.evil.example' })).toEqual({ status: 403 });
  });

  it('answers a plain HTTP request with 426 Upgrade Required', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      http.get(`http://127.0.0.1:${app.transport.wsPort}/`, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).on('error', reject);
    });
    expect(status).toBe(426);
  });

  it('does not negotiate permessage-deflate by default (CPU, compression oracles)', async () => {
    const { ws } = await open(app.wsUrl!, { perMessageDeflate: true });
    expect(ws!.extensions).toBe('');
    ws!.terminate();
  });

  it('counts a trusted proxy\'s X-Forwarded-For client, not the proxy, in MAX_CONNECTIONS_PER_IP', async () => {
    const viaProxy = (client: string) => SwitchboardClient.connect({ url: app.wsUrl, headers: { 'x-forwarded-for': `203.0.113.9, ${client}` } });
    const a = await viaProxy('198.51.100.7');
    await expectAlive(a);
    expect(lastConnection(app).remoteAddress).toBe('198.51.100.7');
    const b = await viaProxy('198.51.100.7');
    await expectAlive(b);
    // The third from the same forwarded client is over the cap of 2; another client is not.
    const c = await viaProxy('198.51.100.7');
    await c.closed;
    expect(c.events[0]?.payload).toMatchObject({ error_code: 'TOO_MANY_CONNECTIONS' });
    const other = await viaProxy('198.51.100.8');
    await expectAlive(other);
    for (const client of [a, b, other]) await client.close();
  });

  it('takes the rightmost X-Forwarded-For entry that is not a trusted proxy, and ignores a malformed one', async () => {
    const client = await SwitchboardClient.connect({ url: app.wsUrl, headers: { 'x-forwarded-for': '198.51.100.20, 127.0.0.5' } });
    await expectAlive(client);
    expect(lastConnection(app).remoteAddress).toBe('198.51.100.20');
    await client.close();
    const bad = await SwitchboardClient.connect({ url: app.wsUrl, headers: { 'x-forwarded-for': 'not-an-address' } });
    await expectAlive(bad);
    expect(lastConnection(app).remoteAddress).toMatch(/127\.0\.0\.1$/);
    await bad.close();
  });

  it('closes a binary message on the control path with 1003', async () => {
    const { ws } = await open(app.wsUrl!);
    const code = new Promise<number>((resolve) => ws!.once('close', (c) => resolve(c)));
    ws!.send(Buffer.from([1, 2, 3]));
    expect(await code).toBe(1003);
  });

  it('counts unfinished messages of connections not logged in against MAX_UNAUTHENTICATED_BYTES_PER_IP', async () => {
    const first = await app.connect({ transport: 'websocket' });
    const second = await app.connect({ transport: 'websocket' });
    const wsOf = (c: SwitchboardClient) => (c.transport as unknown as { ws: WebSocket }).ws;
    wsOf(first).send('{"id":"a","payload":"' + 'a'.repeat(3000), { fin: false });
    await until(() => app.transport.unauthenticatedBytes.heldBy('::ffff:127.0.0.1') + app.transport.unauthenticatedBytes.heldBy('127.0.0.1') >= 3000, 'the first partial message to count');
    wsOf(second).send('{"id":"b","payload":"' + 'b'.repeat(3000), { fin: false });
    await second.closed;
    expect(second.events.find((f) => f.command === 'control/error')?.payload).toMatchObject({ status: 429, error_code: 'RATE_LIMITED' });
    expect(first.isOpen).toBe(true);
    await first.close();
  });
});

describe('WebSocket keepalive, drain and PROXY protocol', () => {
  it('pings every WS_PING_INTERVAL_MS and closes a client that stops answering', async () => {
    const app = await startTestApp({ WS_PORT: '0', WS_PING_INTERVAL_MS: '100', IDLE_TIMEOUT_MS: '60000' });
    try {
      const answering = await open(app.wsUrl!);
      let pings = 0;
      answering.ws!.on('ping', () => pings++);
      const silent = await open(app.wsUrl!, { autoPong: false });
      const silentClosed = new Promise((resolve) => silent.ws!.once('close', resolve));
      await silentClosed;
      expect(pings).toBeGreaterThanOrEqual(1);
      expect(answering.ws!.readyState).toBe(WebSocket.OPEN);
      answering.ws!.terminate();
    } finally {
      await app.close();
    }
  });

  it('refuses requests with SERVER_DRAINING while draining and stops accepting new WebSocket connections', async () => {
    const app = await startTestApp({ WS_PORT: '0' });
    try {
      const client = await app.connect({ transport: 'websocket' });
      await expectAlive(client);
      // Resolves only once the open connections closed too (net.Server.close): not awaited here.
      const stopped = app.transport.stopAccepting(1500);
      const refused = await client.request('control/ping');
      expect(refused.payload).toMatchObject({ status: 503, error_code: 'SERVER_DRAINING', retry_after_ms: 1500 });
      await expect(SwitchboardClient.connect({ url: app.wsUrl, timeoutMs: 3000 })).rejects.toThrow(/ECONNREFUSED/);
      await client.close();
      await stopped;
    } finally {
      await app.close();
    }
  });

  it('reads the PROXY protocol header before the upgrade request (client address from the header)', async () => {
    const app = await startTestApp({ WS_PORT: '0', PROXY_PROTOCOL: 'v1' });
    try {
      const socket = net.connect({ host: '127.0.0.1', port: app.transport.wsPort! });
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write('PROXY TCP4 192.0.2.44 127.0.0.1 40000 9402\r\n');
      socket.write(
        'GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      const answer = await new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(chunk.toString('latin1'))));
      expect(answer).toMatch(/^HTTP\/1\.1 101 /);
      await until(() => app.transport.registry.size === 1, 'the connection to register');
      expect(lastConnection(app).remoteAddress).toBe('192.0.2.44');
      socket.destroy();
    } finally {
      await app.close();
    }
  });
});

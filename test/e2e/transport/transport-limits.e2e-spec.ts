/**
 * Hard limits of the transport over real TCP and over WebSocket (describe.each): oversize frames,
 * stalled partial frames, idle connections, MAX_CONNECTIONS and close(). Timeouts are shortened through env overrides; every
 * test waits for the frame or the close it expects, never for a fixed time.
 */
import * as net from 'node:net';
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { generatePki } from '../../support/security-helpers';
import type { WebSocket } from 'ws';
import { startTestApp, TestApp, TRANSPORT_KINDS } from '../../support/test-app';
import { NO_RATE_LIMIT, expectAlive, frameText, lastConnection, responseTo, serverClosed } from '../../support/transport-helpers';

const FRAME_TIMEOUT_MS = 200;
const IDLE_TIMEOUT_MS = 300;

/** The ws client under a WebSocket SwitchboardClient (to send fragments of one message). */
function wsOf(client: SwitchboardClient): WebSocket {
  return (client.transport as unknown as { ws: WebSocket }).ws;
}

describe.each(TRANSPORT_KINDS)('transport limits over %s', (kind) => {
  let app: TestApp;
  const connect = () => app.connect({ transport: kind });
  beforeAll(async () => {
    app = await startTestApp({
      ...NO_RATE_LIMIT,
      WS_PORT: '0',
      MAX_FRAME_BYTES: '2048',
      FRAME_TIMEOUT_MS: String(FRAME_TIMEOUT_MS),
      IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
    });
  });
  afterAll(async () => {
    await app.close();
  });

  // Oversize: a frame over MAX_FRAME_BYTES → FRAME_TOO_LARGE response, then control/error, then close.
  it('answers an oversize frame with FRAME_TOO_LARGE, then control/error, then closes', async () => {
    const client = await connect();
    await expectAlive(client);
    client.writeRaw(frameText({ id: 'big-1', command: 'control/ping', payload: { blob: 'x'.repeat(3000) } }));
    await client.closed;
    const [response, notice] = client.events;
    expect(response).toMatchObject({ type: 'response', payload: { status: 413, error_code: 'FRAME_TOO_LARGE' } });
    expect(response.payload.error_message).toMatch(/2048 bytes/);
    expect(notice).toMatchObject({ type: 'event', command: 'control/error', payload: { error_code: 'FRAME_TOO_LARGE' } });
    expect(client.events).toHaveLength(2);
  });

  // Oversize without any newline yet: refused as soon as the buffered bytes pass the limit.
  it('refuses an unterminated frame as soon as it passes MAX_FRAME_BYTES', async () => {
    const client = await connect();
    client.writeRaw('{"id":"big-2","command":"control/ping","payload":{"blob":"' + 'y'.repeat(3000));
    await client.closed;
    expect(client.events.map((f) => f.payload.error_code)).toEqual(['FRAME_TOO_LARGE', 'FRAME_TOO_LARGE']);
  });

  // WebSocket: a message over twice MAX_FRAME_BYTES is cut by ws before it is buffered (close 1009).
  if (kind === 'websocket') {
    it('closes with 1009 on a message over twice MAX_FRAME_BYTES without buffering it', async () => {
      const client = await connect();
      const closed = new Promise<number>((resolve) => wsOf(client).once('close', (code) => resolve(code)));
      client.writeRaw('x'.repeat(5000));
      expect(await closed).toBe(1009);
    });

    // A message left unfinished (a first fragment only) is not dropped in part: the connection is
    // closed with FRAME_TIMEOUT (a WebSocket stream cannot resume at the next message).
    it('closes a connection whose message stays unfinished for FRAME_TIMEOUT_MS', async () => {
      const client = await connect();
      await expectAlive(client);
      const started = Date.now();
      wsOf(client).send('{"id":"stall-ws","command":"cont', { fin: false });
      await client.closed;
      expect(Date.now() - started).toBeGreaterThanOrEqual(FRAME_TIMEOUT_MS - 5);
      const notice = client.events.find((f) => f.command === 'control/error');
      expect(notice?.payload).toMatchObject({ status: 400, error_code: 'FRAME_TIMEOUT' });
      expect(notice?.payload.error_message).toMatch(/partial message of \d+ bytes/);
    });
  }

  // Stalled partial frame (TCP): dropped after FRAME_TIMEOUT_MS with a control/error; the stream resyncs.
  if (kind === 'tcp') it('drops a stalled partial frame after FRAME_TIMEOUT_MS and resynchronises', async () => {
    const client = await connect();
    await expectAlive(client);
    const started = Date.now();
    client.writeRaw('{"id":"stall-1","command":"cont');
    const notice = await client.waitFor((f) => f.command === 'control/error');
    expect(Date.now() - started).toBeGreaterThanOrEqual(FRAME_TIMEOUT_MS - 5);
    expect(notice.payload).toMatchObject({ status: 400, error_code: 'FRAME_TIMEOUT' });
    expect(notice.payload.error_message).toMatch(/partial frame of \d+ bytes/);
    // The tail of the dropped frame is discarded up to its newline; the next frame works.
    client.writeRaw('rol/ping"}\n');
    await expectAlive(client, 'after-stall');
    expect(client.events.filter((f) => f.id === 'stall-1')).toEqual([]);
    expect(client.isOpen).toBe(true);
  });

  // Slowloris: dribbling a frame byte by byte does not extend FRAME_TIMEOUT_MS (the timer runs
  // from the frame's first byte). The dribble is paced by pings on a second connection.
  if (kind === 'tcp') it('drops a frame dribbled byte by byte FRAME_TIMEOUT_MS after its first byte', async () => {
    const slow = await connect();
    const pacer = await connect();
    let notice: unknown;
    const noticed = slow.waitFor((f) => f.command === 'control/error', { timeoutMs: 10_000 }).then((f) => (notice = f));
    const firstByteAt = Date.now();
    slow.writeRaw('{"id":"');
    let lastByteAt = firstByteAt;
    let sent = 0;
    while (!notice) {
      if (sent < 1500) {
        slow.writeRaw('a');
        sent++;
        lastByteAt = Date.now();
      }
      await Promise.race([expectAlive(pacer), noticed]);
    }
    const errorAt = Date.now();
    expect((notice as { payload: Record<string, unknown> }).payload).toMatchObject({ error_code: 'FRAME_TIMEOUT' });
    // Bytes kept coming until shortly before the drop, and the drop still came on time.
    expect(errorAt - lastByteAt).toBeLessThan(FRAME_TIMEOUT_MS);
    expect(errorAt - firstByteAt).toBeLessThan(FRAME_TIMEOUT_MS * 3);
    expect(slow.isOpen).toBe(true);
  });

  // Regression: the stall timer used to start with the first partial frame and never restart
  // while chunks kept ending mid-frame, so a busy pipelining client had a healthy frame dropped
  // FRAME_TIMEOUT_MS after connecting. Each chunk here completes a frame and starts the next.
  if (kind === 'tcp') it('does not drop frames of a client whose chunks keep ending mid-frame for longer than FRAME_TIMEOUT_MS', async () => {
    const client = await connect();
    const frame = (i: number) => frameText({ id: `mid-${i}`, command: 'control/ping' });
    let pending = frame(0);
    const started = Date.now();
    let i = 0;
    for (; Date.now() - started < FRAME_TIMEOUT_MS * 3 || i < 20; i++) {
      const next = frame(i + 1);
      const cut = Math.floor(next.length / 2);
      const wait = responseTo(client, `mid-${i}`);
      client.writeRaw(pending + next.slice(0, cut));
      pending = next.slice(cut);
      expect((await wait).payload.status).toBe(200);
    }
    client.writeRaw(pending);
    expect((await responseTo(client, `mid-${i}`)).payload.status).toBe(200);
    expect(client.events.filter((f) => f.command === 'control/error')).toEqual([]);
  });

  // Idle: a connection that never sends a valid frame is closed with control/error IDLE_TIMEOUT,
  // while one that did send a valid frame stays open.
  it('closes a connection that sends no valid frame within IDLE_TIMEOUT_MS, and only that one', async () => {
    const active = await connect();
    await expectAlive(active);
    const silent = await connect();
    const chatty = await connect();
    chatty.writeRaw('not json either\n');
    await Promise.all([silent.closed, chatty.closed]);
    for (const c of [silent, chatty]) {
      const notice = c.events.find((f) => f.command === 'control/error');
      expect(notice?.payload).toMatchObject({ error_code: 'IDLE_TIMEOUT' });
      expect(notice?.payload.error_message).toContain(`${IDLE_TIMEOUT_MS} ms`);
    }
    await expectAlive(active, 'active-after-idle-sweep');
  });
});

describe.each(TRANSPORT_KINDS)('transport MAX_CONNECTIONS over %s', (kind) => {
  let app: TestApp;
  const connect = () => app.connect({ transport: kind });
  beforeAll(async () => {
    app = await startTestApp({ ...NO_RATE_LIMIT, MAX_CONNECTIONS: '2', WS_PORT: '0' });
  });
  afterAll(async () => {
    await app.close();
  });

  // Over the limit: the extra socket is told why (503 TOO_MANY_CONNECTIONS, retryable) and closed.
  it('refuses connections over MAX_CONNECTIONS with a control/error, and accepts again once one closes', async () => {
    const a = await connect();
    const b = await connect();
    await Promise.all([expectAlive(a), expectAlive(b)]);
    const bConn = lastConnection(app);
    const extra = await connect();
    await extra.closed;
    expect(extra.events).toHaveLength(1);
    expect(extra.events[0]).toMatchObject({
      type: 'event',
      command: 'control/error',
      payload: { status: 503, error_code: 'TOO_MANY_CONNECTIONS', retry_after_ms: 1000 },
    });
    expect(app.transport.registry.size).toBe(2);

    const gone = serverClosed(app, bConn);
    await b.close();
    await gone;
    const c = await connect();
    await expectAlive(c);
  });
});

describe('transport close()', () => {
  // close(): every socket is destroyed (clients observe the close), the listener stops, and the
  // promise resolves; jest --detectOpenHandles stays clean.
  it('destroys every socket, stops listening and resolves', async () => {
    const app = await startTestApp({ WS_PORT: '0' });
    try {
      const idle = await app.connect();
      const browser = await app.connect({ transport: 'websocket' });
      await expectAlive(browser);
      const busy = await app.connect();
      await expectAlive(busy);
      const partial = await app.connect();
      partial.writeRaw('{"id":"half');
      const raw = new net.Socket();
      await new Promise<void>((resolve) => raw.connect(app.tcpPort, '127.0.0.1', resolve));
      const rawClosed = new Promise((resolve) => raw.once('close', resolve));

      await app.transport.close();
      await Promise.all([idle.closed, busy.closed, partial.closed, browser.closed, rawClosed]);
      expect(app.transport.registry.size).toBe(0);
      expect(app.transport.isListening).toBe(false);
      await expect(SwitchboardClient.connect({ port: app.tcpPort })).rejects.toThrow(/ECONNREFUSED/);
      await expect(SwitchboardClient.connect({ url: app.wsUrl })).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await app.close();
    }
  });

  // Regression: a TLS socket still in its handshake is not a registered Connection yet; close()
  // used to leave it open (and server.close() waiting for it) until the handshake timed out.
  it('also destroys sockets that are still in their TLS handshake', async () => {
    const pki = generatePki();
    const app = await startTestApp({ TLS_CERT: pki.serverCert, TLS_KEY: pki.serverKey, IDLE_TIMEOUT_MS: '60000' });
    try {
      const raw = new net.Socket();
      const rawClosed = new Promise((resolve) => raw.once('close', resolve));
      raw.on('error', () => undefined);
      await new Promise<void>((resolve) => raw.connect(app.tcpPort, '127.0.0.1', resolve));
      const started = Date.now();
      await app.transport.close();
      await rawClosed;
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await app.close();
      pki.cleanup();
    }
  });
});

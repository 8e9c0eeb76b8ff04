/**
 * The file channel over WebSocket (ws://host:WS_PORT/file): binary messages carrying the same TLV
 * frames as FILE_PORT, so a client that can only reach the WebSocket port (a browser) keeps the
 * channel's resume and sha256 check. SDK clients connected over WebSocket use it by themselves.
 */
import { Writable } from 'node:stream';
import { WebSocket } from 'ws';
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { WebSocketFrameSocket } from '../../../src/transport/websocket-socket';
import { startTestApp, TestApp } from '../../support/test-app';
import { registerAndLogin } from '../../support/users';
import { dataChannel, randomContent, uploadThroughOneDrop } from './file-helpers';

const CHUNK = 64 * 1024;
const SMALL_CHUNKS = { FILE_CHUNK_SIZE: String(CHUNK), FILE_ACK_EVERY: '4', FILE_WINDOW_BYTES: String(4 * CHUNK) };

/** Collects a download in memory. */
function sink(): { stream: Writable; bytes(): Buffer } {
  const chunks: Buffer[] = [];
  return { stream: new Writable({ write: (c, _e, cb) => (chunks.push(c), cb()) }), bytes: () => Buffer.concat(chunks) };
}

describe('file channel over WebSocket', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ ...SMALL_CHUNKS, WS_PORT: '0', RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0' });
  });
  afterAll(() => app.close());

  /** Which kind of socket every open data connection has, sampled while a transfer runs. */
  function sampleKinds(seen: Set<string>): void {
    for (const conn of dataChannel(app).connections) seen.add(conn.socket instanceof WebSocketFrameSocket ? 'websocket' : 'tcp');
  }

  it('carries a file from a WebSocket client to a TCP client and back, verified by sha256', async () => {
    const browser = await registerAndLogin(app, { client: await app.connect({ transport: 'websocket' }) });
    const native = await registerAndLogin(app);
    const data = randomContent(10 * CHUNK + 321);
    const overWs = new Set<string>();
    const up = await browser.client.upload(data, { type: 'user', id: native.userId }, { fileName: 'from-browser.bin', onProgress: () => sampleKinds(overWs) });
    expect(overWs).toEqual(new Set(['websocket']));
    const copy = sink();
    await native.client.download(up.fileId, copy.stream);
    expect(copy.bytes().equals(data)).toBe(true);

    const reply = randomContent(7 * CHUNK + 5);
    const back = await native.client.upload(reply, { type: 'user', id: browser.userId }, { fileName: 'to-browser.bin' });
    const received = sink();
    const downWs = new Set<string>();
    await browser.client.download(back.fileId, received.stream, { onProgress: () => sampleKinds(downWs) });
    expect(downWs).toEqual(new Set(['websocket']));
    expect(received.bytes().equals(reply)).toBe(true);
  });

  it('resumes over WebSocket when the server drops the data connection mid-upload and mid-download', async () => {
    const alice = await registerAndLogin(app, { client: await app.connect({ transport: 'websocket' }) });
    const bob = await registerAndLogin(app, { client: await app.connect({ transport: 'websocket' }) });
    const data = randomContent(40 * CHUNK);
    const uploaded = await uploadThroughOneDrop(app, alice.client, bob.userId, data, 12 * CHUNK);

    let cut = 0;
    const copy = sink();
    await bob.client.download(uploaded.fileId, copy.stream, {
      onProgress: (p) => {
        if (cut === 0 && p.bytes >= 20 * CHUNK) {
          cut++;
          for (const conn of dataChannel(app).connections) conn.destroy();
        }
      },
    });
    expect(cut).toBe(1);
    expect(copy.bytes().equals(data)).toBe(true);
  });

  it('refuses text messages on /file (1003) and unknown paths (404)', async () => {
    const ws = new WebSocket(new URL('/file', app.wsUrl).href);
    await new Promise((resolve) => ws.once('open', resolve));
    const code = new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
    ws.send('{"id":"x","command":"control/ping"}');
    expect(await code).toBe(1003);
    const status = await new Promise<number>((resolve) => {
      const other = new WebSocket(new URL('/nope', app.wsUrl).href);
      other.once('unexpected-response', (_req, res) => resolve(res.statusCode!));
      other.once('error', () => undefined);
    });
    expect(status).toBe(404);
  });

  it('keeps the control connection at /', async () => {
    const client: SwitchboardClient = await app.connect({ transport: 'websocket' });
    expect((await client.request('control/ping')).payload.status).toBe(200);
  });
});

/**
 * File transfers on two real server processes sharing one PostgreSQL schema, one Redis and one
 * FILE_STORAGE_DIR (as docker/ runs them behind a balancer, which may send the data connection to
 * any node):
 * - an upload requested on node A is written through node B's data port; the uploader's file/ack
 *   (published on B) reaches its control connection on A through the event bus, the recipient on A
 *   gets the file-ref message and downloads through B, byte-identical;
 * - two data connections for one upload on the two nodes: one writes, the other is TRANSFER_BUSY
 *   (the database lease), and the finished file is the right one;
 * - file/cancel on A closes the upload's and the download's data connections on B at once (the
 *   notice travels on the event bus);
 * - kill -9 of the node that carries an upload half-way: the client resumes on the other node from
 *   the last acknowledged offset (after the dead node's lease ran out), re-sending only the
 *   unacknowledged chunks; the file is complete and its sha256 verified;
 * - the same with the SDK behind a balancer (a TCP proxy the test points at one node, then the
 *   other): it resumes by itself on the surviving node, waiting out TRANSFER_BUSY's retry_after_ms.
 * PostgreSQL only: two processes on one SQLite file is not a supported deployment.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { TlvType } from '../../../src/shared/protocol';
import { freePort } from '../../support/redis-server';
import { startTcpProxy, TcpProxy } from '../../support/tcp-proxy';
import { describeWith } from '../../support/requires';
import { spawnServer, SpawnedServer } from '../../support/spawn-server';
import { createTestDatabase, TestDatabase } from '../../support/test-db';
import { TlvPeer } from '../../support/tlv-helpers';
import { LoggedInUser, registerAndLogin } from '../../support/users';
import { randomContent, sendData, sendUntilAcked, sha256, uploadRequest } from '../file/file-helpers';

const CHUNK = 64 * 1024;
const ACK_EVERY = 4;
const LEASE_MS = 3000;

interface Node {
  server: SpawnedServer;
  filePort: number;
}

/** Opens an upload's data connection on `port`: the first ACK or ERROR frame the server answers. */
async function open(port: number, transferId: string, token: string): Promise<{ peer: TlvPeer; type: number; body: Record<string, any> }> {
  const peer = await TlvPeer.connect(port);
  peer.send(TlvType.OPEN, { transfer_id: transferId, token });
  const frame = await peer.next((f) => f.type === TlvType.ACK || f.type === TlvType.ERROR);
  return { peer, type: frame.type, body: JSON.parse(frame.payload.toString('utf8')) };
}


/** The final ACK (with file_id) of an upload connection. */
async function finalAck(peer: TlvPeer): Promise<{ file_id: string; offset: number }> {
  const frame = await peer.next((f) => f.type === TlvType.ACK && JSON.parse(f.payload.toString('utf8')).file_id !== undefined, 0, 30_000);
  return JSON.parse(frame.payload.toString('utf8'));
}

describeWith({ postgres: true, redis: true }, 'file transfer across two nodes (shared PostgreSQL, Redis and storage directory)', () => {
  let db: TestDatabase;
  let storageDir: string;
  let downloads: string;
  let a: Node;
  let b: Node;
  let envA: Record<string, string>;
  /** B advertises this "balancer" for its data channel; the test decides which node it forwards to. */
  let lb: TcpProxy;
  const clients: SwitchboardClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-cluster-files-'));
    downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-cluster-dl-'));
    const [portA, portB] = [await freePort(), await freePort()];
    lb = await startTcpProxy(portB);
    const env = {
      ...db.env,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      REDIS_KEY_PREFIX: `fx${randomBytes(3).toString('hex')}:`,
      AUTH_JWT_SECRET: 'file-cross-node-secret-0123456789abcdef',
      RATE_LIMIT_CONN_RPS: '0',
      RATE_LIMIT_USER_RPS: '0',
      FILE_STORAGE_DIR: storageDir,
      FILE_CHUNK_SIZE: String(CHUNK),
      FILE_ACK_EVERY: String(ACK_EVERY),
      FILE_LEASE_MS: String(LEASE_MS),
      // A download stalls after 4 unacknowledged chunks (the cancel test holds one open).
      FILE_WINDOW_BYTES: String(4 * CHUNK),
    };
    // Node A tells clients to use B's data port (as a balancer may send them to any node).
    // One after the other: the first applies the migrations.
    envA = { ...env, FILE_PORT: String(portA), FILE_PUBLIC_PORT: String(portB) };
    a = { server: await spawnServer(envA), filePort: portA };
    b = { server: await spawnServer({ ...env, FILE_PORT: String(portB), FILE_PUBLIC_PORT: String(lb.port) }), filePort: portB };
  }, 90_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await Promise.all([a?.server.stop('SIGKILL'), b?.server.stop('SIGKILL')]);
    await lb?.close();
    await db?.drop();
    fs.rmSync(storageDir, { recursive: true, force: true });
    fs.rmSync(downloads, { recursive: true, force: true });
  });

  async function user(node: Node): Promise<LoggedInUser> {
    const u = await registerAndLogin(node.server, { prefix: 'fx' });
    clients.push(u.client);
    return u;
  }

  it('an upload requested on A is written through B; file/ack and the file-ref reach A; the recipient on A downloads through B', async () => {
    const [alice, bob] = [await user(a), await user(a)];
    const data = randomContent(10 * CHUNK + 321);
    const accept = await alice.client.call('file/request', uploadRequest(data, { type: 'user', id: bob.userId }));
    expect(accept).toMatchObject({ status: 200, resume_offset: 0, endpoint: { port: b.filePort } });

    const opened = await open(b.filePort, accept.transfer_id, alice.token);
    expect(opened).toMatchObject({ type: TlvType.ACK, body: { offset: 0 } });
    sendData(opened.peer, data, 0, CHUNK);
    const done = await finalAck(opened.peer);
    expect(done.offset).toBe(data.length);

    // Published on B, delivered to the control connections on A through the Redis bus.
    const ack = await alice.client.waitFor((f) => f.command === 'file/ack' && f.payload.transfer_id === accept.transfer_id, { timeoutMs: 10_000 });
    expect(ack.payload).toMatchObject({ status: 200, file_id: done.file_id, offset: data.length });
    const ref = await bob.client.waitFor((f) => f.command === 'message/event' && (f.payload as any).message?.content?.file_id === done.file_id, { timeoutMs: 10_000 });
    expect((ref.payload as any).message.content).toMatchObject({ type: 'file-ref', size: data.length, hash: `sha256:${sha256(data)}` });

    // The SDK follows A's answer (B's data port) for the download.
    const copy = path.join(downloads, 'cross-node');
    const result = await bob.client.download(done.file_id, copy);
    expect(result.hash).toBe(sha256(data));
    expect(fs.readFileSync(copy).equals(data)).toBe(true);
  }, 60_000);

  it('two data connections for one upload on the two nodes: one appends, the other is TRANSFER_BUSY', async () => {
    const [alice, bob] = [await user(a), await user(b)];
    const data = randomContent(6 * CHUNK + 17);
    const accept = await alice.client.call('file/request', uploadRequest(data, { type: 'user', id: bob.userId }));
    const both = await Promise.all([open(a.filePort, accept.transfer_id, alice.token), open(b.filePort, accept.transfer_id, alice.token)]);
    const winners = both.filter((o) => o.type === TlvType.ACK);
    const losers = both.filter((o) => o.type === TlvType.ERROR);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(losers[0].body).toMatchObject({ status: 409, error_code: 'TRANSFER_BUSY', retry_after_ms: expect.any(Number) });
    expect(losers[0].body.retry_after_ms).toBeLessThanOrEqual(LEASE_MS + 200);
    await losers[0].peer.whenClosed();

    sendData(winners[0].peer, data, 0, CHUNK);
    const done = await finalAck(winners[0].peer);
    const copy = path.join(downloads, 'busy');
    await bob.client.download(done.file_id, copy);
    expect(fs.readFileSync(copy).equals(data)).toBe(true);
  }, 60_000);

  it('file/cancel on A closes the data connections on B: an upload and a download in progress', async () => {
    const [alice, bob] = [await user(a), await user(a)];
    const data = randomContent(8 * CHUNK);
    const target = { type: 'user' as const, id: bob.userId };

    const upload = await alice.client.call('file/request', uploadRequest(data, target));
    const up = await open(b.filePort, upload.transfer_id, alice.token);
    expect(up.type).toBe(TlvType.ACK);
    sendData(up.peer, data, 0, CHUNK, 2 * CHUNK);
    expect(await alice.client.call('file/cancel', { transfer_id: upload.transfer_id })).toMatchObject({ status: 200, state: 'cancelled' });
    const upCancel = await up.peer.next((f) => f.type === TlvType.CANCEL);
    expect(JSON.parse(upCancel.payload.toString('utf8'))).toMatchObject({ transfer_id: upload.transfer_id, status: 409 });
    await up.peer.whenClosed();

    // A finished file, then a download on B that stalls at its window (no ACKs sent).
    const done = await alice.client.upload(data, target, { fileName: 'to-cancel.bin' });
    const download = await bob.client.call('file/request', { direction: 'download', file_id: done.fileId });
    const down = await open(b.filePort, download.transfer_id, bob.token);
    expect(down).toMatchObject({ type: TlvType.ACK, body: { offset: 0 } });
    await down.peer.next((f) => f.type === TlvType.DATA);
    expect(await bob.client.call('file/cancel', { transfer_id: download.transfer_id })).toMatchObject({ status: 200, state: 'cancelled' });
    const downCancel = await down.peer.next((f) => f.type === TlvType.CANCEL);
    expect(JSON.parse(downCancel.payload.toString('utf8'))).toMatchObject({ transfer_id: download.transfer_id, status: 409 });
    await down.peer.whenClosed();
    // Never the whole file: the window held it back until the cancel.
    const received = down.peer.frames.filter((f) => f.type === TlvType.DATA).reduce((n, f) => n + f.payload.length, 0);
    expect(received).toBeLessThan(data.length);
  }, 60_000);

  // It kills node A (the next test starts it again).
  it('kill -9 of the node carrying an upload: resumed on the other node from the last ACK, nothing acknowledged lost', async () => {
    const [alice, bob] = [await user(b), await user(b)];
    const data = randomContent(24 * CHUNK + 999);
    const accept = await alice.client.call('file/request', uploadRequest(data, { type: 'user', id: bob.userId }));
    const first = await open(a.filePort, accept.transfer_id, alice.token);
    expect(first.body.offset).toBe(0);
    const half = await sendUntilAcked(first.peer, data, 0, 12 * CHUNK, CHUNK, ACK_EVERY);
    // Two more chunks that are never acknowledged, then the node carrying them dies.
    sendData(first.peer, data, half.sent, CHUNK, half.sent + 2 * CHUNK);
    let bytesSent = half.sent + 2 * CHUNK;
    await a.server.stop('SIGKILL');
    const killedAt = Date.now();
    await first.peer.whenClosed();

    const again = await alice.client.call('file/request', { ...uploadRequest(data, { type: 'user', id: bob.userId }), resume: { transfer_id: accept.transfer_id, offset: half.acked } });
    expect(again).toMatchObject({ status: 200, transfer_id: accept.transfer_id, resume_offset: half.acked });
    // The dead node's lease has to run out first: the server says how long.
    let second = await open(b.filePort, accept.transfer_id, alice.token);
    let busy = 0;
    for (let attempt = 0; second.type === TlvType.ERROR && attempt < 5; attempt++, busy++) {
      expect(second.body).toMatchObject({ status: 409, error_code: 'TRANSFER_BUSY' });
      expect(second.body.retry_after_ms).toBeLessThanOrEqual(LEASE_MS + 200);
      await new Promise((resolve) => setTimeout(resolve, second.body.retry_after_ms));
      second = await open(b.filePort, accept.transfer_id, alice.token);
    }
    expect(second).toMatchObject({ type: TlvType.ACK, body: { offset: half.acked } });
    console.info(`file-cross-node: upload resumed on the other node ${Date.now() - killedAt} ms after kill -9 (FILE_LEASE_MS=${LEASE_MS}, ${busy} TRANSFER_BUSY answers)`);
    sendData(second.peer, data, half.acked, CHUNK);
    bytesSent += data.length - half.acked;
    const done = await finalAck(second.peer);
    expect(done.offset).toBe(data.length);
    // Only the unacknowledged chunks travelled twice.
    expect(bytesSent - data.length).toBe(2 * CHUNK);

    const ack = await alice.client.waitFor((f) => f.command === 'file/ack' && f.payload.transfer_id === accept.transfer_id, { timeoutMs: 10_000 });
    expect(ack.payload).toMatchObject({ status: 200, file_id: done.file_id });
    const copy = path.join(downloads, 'after-kill');
    const result = await bob.client.download(done.file_id, copy);
    expect(result.hash).toBe(sha256(data));
    expect(fs.readFileSync(copy).equals(data)).toBe(true);
  }, 90_000);

  it('kill -9 under an SDK upload: the SDK resumes by itself on the other node, waiting out TRANSFER_BUSY', async () => {
    if (a.server.child.exitCode !== null || a.server.child.signalCode !== null) a = { ...a, server: await spawnServer(envA) };
    const [alice, bob] = [await user(b), await user(b)];
    const data = randomContent(32 * 1024 * 1024);
    lb.retarget(a.filePort);
    let killedAt = 0;
    const after: number[] = [];
    const result = await alice.client.upload(data, { type: 'user', id: bob.userId }, {
      fileName: 'sdk-kill.bin',
      onProgress: ({ bytes }) => {
        if (killedAt) return void after.push(bytes);
        if (bytes < 1024 * 1024) return;
        // Synchronously, between two ACKs: the node dies with most of the file still to come,
        // and the "balancer" sends the SDK's next data connection to B.
        killedAt = Date.now();
        a.server.child.kill('SIGKILL');
        lb.retarget(b.filePort);
      },
    });
    expect(killedAt).toBeGreaterThan(0);
    // The progress after the resume starts from what A had acknowledged, not from 0.
    expect(Math.min(...after)).toBeGreaterThan(1024 * 1024);
    console.info(`file-cross-node: SDK upload of 32 MiB finished on the other node ${Date.now() - killedAt} ms after kill -9 of its data node (FILE_LEASE_MS=${LEASE_MS})`);
    const copy = path.join(downloads, 'sdk-after-kill');
    const got = await bob.client.download(result.fileId, copy);
    expect(got.hash).toBe(sha256(data));
    expect(fs.readFileSync(copy).equals(data)).toBe(true);
  }, 90_000);
});

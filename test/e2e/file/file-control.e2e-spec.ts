/**
 * Ending and limiting transfers: wrong hash, cancel by either side, the concurrency limit (202
 * then file/accept), FILE_MAX_BYTES, the per-user quota, and the FILE_TRANSFER_TTL sweep.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TlvType } from '../../../src/shared/protocol';
import { LoggedInUser, registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { TlvPeer } from '../../support/tlv-helpers';
import { openData, randomContent, sendData, sha256, uploadRequest } from './file-helpers';

const CHUNK = 64 * 1024;

/** Opens a data connection expected to be refused: the ERROR frame's body (then the server closes). */
async function openError(accept: Record<string, any>, client: { token?: string }): Promise<Record<string, any>> {
  const peer = await TlvPeer.connect(accept.endpoint.port);
  peer.send(TlvType.OPEN, { transfer_id: accept.transfer_id, token: client.token });
  const error = await peer.nextJson(TlvType.ERROR);
  await peer.whenClosed();
  return error;
}

function partialPath(app: TestApp, transferId: string): string {
  return path.join(app.env.FILE_STORAGE_DIR!, 'partial', transferId);
}

describe('file transfer: hash, cancel, limits', () => {
  let app: TestApp;
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  beforeAll(async () => {
    app = await startTestApp({ FILE_CHUNK_SIZE: String(CHUNK), FILE_ACK_EVERY: '2', FILE_MAX_CONCURRENT: '1', FILE_MAX_BYTES: String(8 * 1024 * 1024), FILE_QUOTA_BYTES: String(12 * 1024 * 1024) });
    [alice, bob] = await Promise.all([registerAndLogin(app), registerAndLogin(app)]);
  });
  afterAll(() => app.close());

  it('refuses an upload whose bytes do not match the announced sha256: HASH_MISMATCH, no file kept', async () => {
    const data = randomContent(3 * CHUNK);
    const accept = await alice.client.call('file/request', { ...uploadRequest(data, { type: 'user', id: bob.userId }), hash: `sha256:${sha256(Buffer.from('other'))}` });
    const { peer } = await openData(accept, alice.client);
    sendData(peer, data, 0, CHUNK);
    const error = await peer.nextJson(TlvType.ERROR);
    expect(error).toMatchObject({ status: 400, error_code: 'HASH_MISMATCH' });
    expect(error.error_message).toContain(sha256(data));
    await peer.whenClosed();
    const ack = await alice.client.waitFor((f) => f.command === 'file/ack' && f.payload.transfer_id === accept.transfer_id);
    expect(ack.payload).toMatchObject({ status: 400, error_code: 'HASH_MISMATCH' });
    expect(ack.payload.file_id).toBeUndefined();
    expect(await alice.client.call('file/ack', { transfer_id: accept.transfer_id })).toMatchObject({ state: 'failed', error_code: 'HASH_MISMATCH' });
    expect(fs.existsSync(partialPath(app, accept.transfer_id))).toBe(false);
    expect(fs.existsSync(path.join(app.env.FILE_STORAGE_DIR!, 'blobs', sha256(data).slice(0, 2), sha256(data)))).toBe(false);
  });

  it('client cancels on the control channel: the data connection gets CANCEL and closes, partial data is deleted', async () => {
    const data = randomContent(6 * CHUNK);
    const accept = await alice.client.call('file/request', uploadRequest(data, { type: 'user', id: bob.userId }));
    const { peer } = await openData(accept, alice.client);
    sendData(peer, data, 0, CHUNK, 2 * CHUNK);
    expect((await peer.nextJson(TlvType.ACK, 1)).offset).toBe(2 * CHUNK);
    expect(fs.existsSync(partialPath(app, accept.transfer_id))).toBe(true);
    const cancelled = await alice.client.call('file/cancel', { transfer_id: accept.transfer_id, reason: 'changed my mind' });
    expect(cancelled).toMatchObject({ status: 200, state: 'cancelled' });
    const notice = await peer.nextJson(TlvType.CANCEL);
    expect(notice).toMatchObject({ transfer_id: accept.transfer_id, reason: 'changed my mind' });
    await peer.whenClosed();
    expect(fs.existsSync(partialPath(app, accept.transfer_id))).toBe(false);
    // A cancelled transfer cannot be reopened or resumed.
    expect(await openError(accept, alice.client)).toMatchObject({ status: 409, error_code: 'TRANSFER_CLOSED' });
    const resume = await alice.client.request('file/request', { ...uploadRequest(data, { type: 'user', id: bob.userId }), resume: { transfer_id: accept.transfer_id, offset: 0 } });
    expect(resume.payload).toMatchObject({ status: 404, error_code: 'TRANSFER_NOT_FOUND' });
  });

  it('client cancels on the data channel (0x04): the control channel is told with file/cancel', async () => {
    const data = randomContent(4 * CHUNK);
    const accept = await alice.client.call('file/request', uploadRequest(data, { type: 'user', id: bob.userId }));
    const { peer } = await openData(accept, alice.client);
    sendData(peer, data, 0, CHUNK, CHUNK);
    peer.send(TlvType.CANCEL, { transfer_id: accept.transfer_id, reason: 'user pressed stop' });
    const event = await alice.client.waitFor((f) => f.command === 'file/cancel' && f.payload.transfer_id === accept.transfer_id);
    expect(event.payload).toMatchObject({ state: 'cancelled', by: 'client', reason: 'user pressed stop' });
    await peer.whenClosed();
    expect(fs.existsSync(partialPath(app, accept.transfer_id))).toBe(false);
  });

  it('queues a request over FILE_MAX_CONCURRENT with 202 and accepts it with file/accept when the slot frees', async () => {
    const first = randomContent(2 * CHUNK);
    const second = randomContent(3 * CHUNK);
    const active = await alice.client.call('file/request', uploadRequest(first, { type: 'user', id: bob.userId }));
    expect(active.status).toBe(200);
    const queued = await alice.client.call('file/request', uploadRequest(second, { type: 'user', id: bob.userId }));
    expect(queued).toMatchObject({ status: 202, transfer_id: expect.stringMatching(/^tr-/) });
    expect(queued.endpoint).toBeUndefined();
    // Its data connection is refused until accepted.
    expect(await openError({ ...active, transfer_id: queued.transfer_id }, alice.client)).toMatchObject({ status: 409, error_code: 'TRANSFER_QUEUED' });

    const { peer } = await openData(active, alice.client);
    sendData(peer, first, 0, CHUNK);
    await peer.next((f) => f.type === TlvType.ACK && JSON.parse(f.payload.toString()).file_id !== undefined);
    const accept = await alice.client.waitFor((f) => f.command === 'file/accept' && f.payload.transfer_id === queued.transfer_id);
    expect(accept.payload).toMatchObject({ status: 200, mode: 'passive', chunk_size: CHUNK, resume_offset: 0, endpoint: active.endpoint });
    const next = await openData(accept.payload, alice.client);
    sendData(next.peer, second, 0, CHUNK);
    const done = await next.peer.next((f) => f.type === TlvType.ACK && JSON.parse(f.payload.toString()).file_id !== undefined);
    expect(JSON.parse(done.payload.toString()).offset).toBe(second.length);
  });

  it('the SDK waits for file/accept by itself when its request is queued', async () => {
    const blocker = await alice.client.call('file/request', uploadRequest(randomContent(CHUNK), { type: 'user', id: bob.userId }));
    const queuedAnswer = new Promise<void>((resolve) =>
      alice.client.on('raw-frame', (f: { command: string; payload: { status?: number } }) => f.command === 'file/request' && f.payload.status === 202 && resolve()),
    );
    const upload = alice.client.upload(randomContent(CHUNK + 5), { type: 'user', id: bob.userId }, { fileName: 'later.bin' });
    await queuedAnswer;
    await alice.client.call('file/cancel', { transfer_id: blocker.transfer_id });
    const result = await upload;
    expect(result.size).toBe(CHUNK + 5);
  });

  it('refuses files over FILE_MAX_BYTES and uploads over the quota with a clear 413', async () => {
    const tooBig = await alice.client.request('file/request', { file_name: 'huge.iso', file_size: 8 * 1024 * 1024 + 1, hash: `sha256:${'a'.repeat(64)}`, target: { type: 'user', id: bob.userId } });
    expect(tooBig.payload).toMatchObject({ status: 413, error_code: 'FILE_TOO_LARGE' });
    expect(tooBig.payload.error_message).toContain('FILE_MAX_BYTES');
    const carol = await registerAndLogin(app);
    const big = randomContent(7 * 1024 * 1024);
    await carol.client.upload(big, { type: 'user', id: bob.userId }, { fileName: 'one.bin' });
    const over = await carol.client.request('file/request', { file_name: 'two.bin', file_size: 6 * 1024 * 1024, hash: `sha256:${'b'.repeat(64)}`, target: { type: 'user', id: bob.userId } });
    expect(over.payload).toMatchObject({ status: 413, error_code: 'QUOTA_EXCEEDED', quota_bytes: 12 * 1024 * 1024, used_bytes: big.length });
    expect(over.payload.error_message).toMatch(/quota exceeded.*needs 6291456 more/);
  });
});

describe('file transfer: FILE_TRANSFER_TTL', () => {
  it('expires a transfer idle past its TTL: partial deleted, data connection told CANCEL, control told file/cancel', async () => {
    const app = await startTestApp({ FILE_TRANSFER_TTL: '1', FILE_CHUNK_SIZE: String(CHUNK), FILE_ACK_EVERY: '1' });
    try {
      const [alice, bob] = [await registerAndLogin(app), await registerAndLogin(app)];
      const data = randomContent(4 * CHUNK);
      const accept = await alice.client.call('file/request', uploadRequest(data, { type: 'user', id: bob.userId }));
      const { peer } = await openData(accept, alice.client);
      sendData(peer, data, 0, CHUNK, CHUNK);
      await peer.nextJson(TlvType.ACK, 1);
      expect(fs.existsSync(partialPath(app, accept.transfer_id))).toBe(true);
      const event = await alice.client.waitFor((f) => f.command === 'file/cancel' && f.payload.transfer_id === accept.transfer_id);
      expect(event.payload).toMatchObject({ state: 'expired', by: 'server' });
      expect(event.payload.reason).toContain('FILE_TRANSFER_TTL');
      expect((await peer.nextJson(TlvType.CANCEL)).transfer_id).toBe(accept.transfer_id);
      await peer.whenClosed();
      expect(fs.existsSync(partialPath(app, accept.transfer_id))).toBe(false);
      expect(await alice.client.call('file/ack', { transfer_id: accept.transfer_id })).toMatchObject({ state: 'expired' });
    } finally {
      await app.close();
    }
  });
});

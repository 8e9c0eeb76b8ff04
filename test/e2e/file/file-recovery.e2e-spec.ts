/**
 * #18.4: a 0-byte upload completes (raw frames and the SDK), and its slot is freed.
 * #18.7: a crash between the commit's rename and the database update no longer leaves the
 * transfer stuck (resume answering the last ACK, OPEN answering 500 forever): the next OPEN, on a
 * restarted server, finishes it; a transfer whose partial data is gone restarts from 0.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { createApp, SwitchboardApp } from '../../../src/bootstrap';
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { FileSharingService } from '../../../src/modules/file/file-sharing.service';
import { FileService } from '../../../src/modules/file/file.service';
import { TlvType } from '../../../src/shared/protocol';
import { createTestDatabase, TestDatabase } from '../../support/test-db';
import { LoggedInUser, loginAs, registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { openData, randomContent, sendData, sendUntilAcked, sha256, tempDir, uploadRequest } from './file-helpers';

const CHUNK = 64 * 1024;
const EMPTY_SHA256 = createHash('sha256').digest('hex');

describe('#18.4 a 0-byte upload completes', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ FILE_CHUNK_SIZE: String(CHUNK), FILE_MAX_CONCURRENT: '1' });
  });
  afterAll(() => app.close());

  it('OPEN answers the start ACK then the last ACK with file_id; the file-ref follows and the slot is free', async () => {
    const [alice, bob] = await Promise.all([registerAndLogin(app), registerAndLogin(app)]);
    const accept = await alice.client.call('file/request', { file_name: 'empty.txt', file_size: 0, hash: `sha256:${EMPTY_SHA256}`, target: { type: 'user', id: bob.userId } });
    expect(accept).toMatchObject({ status: 200, resume_offset: 0 });
    const { peer, start } = await openData(accept, alice.client);
    expect(start).toBe(0);
    const last = JSON.parse((await peer.next((f) => f.type === TlvType.ACK && JSON.parse(f.payload.toString()).file_id !== undefined)).payload.toString());
    expect(last).toMatchObject({ status: 200, offset: 0, transfer_id: accept.transfer_id, file_id: expect.stringMatching(/^f-/) });
    await peer.whenClosed();
    expect(await alice.client.call('file/ack', { transfer_id: accept.transfer_id })).toMatchObject({ state: 'complete', file_id: last.file_id });
    const event = await bob.client.waitFor((f) => f.command === 'message/event' && (f.payload as any).message.content.file_id === last.file_id);
    expect(event.payload.message.content).toMatchObject({ type: 'file-ref', size: 0, name: 'empty.txt' });
    // FILE_MAX_CONCURRENT=1: the next request gets the slot at once (200, not 202 queued).
    const next = await alice.client.call('file/request', uploadRequest(randomContent(10), { type: 'user', id: bob.userId }));
    expect(next.status).toBe(200);
    await alice.client.call('file/cancel', { transfer_id: next.transfer_id });
  });

  it('the SDK uploads an empty buffer and the recipient downloads 0 bytes', async () => {
    const [alice, bob] = await Promise.all([registerAndLogin(app), registerAndLogin(app)]);
    const uploaded = await alice.client.upload(Buffer.alloc(0), { type: 'user', id: bob.userId }, { fileName: 'nothing.bin' });
    expect(uploaded).toMatchObject({ size: 0, hash: EMPTY_SHA256, instant: false, fileId: expect.stringMatching(/^f-/) });
    const chunks: Buffer[] = [];
    const got = await bob.client.download(uploaded.fileId, new Writable({ write: (c, _e, cb) => (chunks.push(c), cb()) }));
    expect(got).toMatchObject({ size: 0, hash: EMPTY_SHA256 });
    expect(chunks).toEqual([]);
  });
});

describe('#18.7 a crash between the final rename and the database update: recovery completes or restarts the transfer', () => {
  let db: TestDatabase;
  const storage = tempDir();
  let env: Record<string, string>;
  let node: SwitchboardApp | undefined;
  const clients: SwitchboardClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    env = { ...(db.env as Record<string, string>), NODE_ENV: 'test', LOG_LEVEL: 'error', TCP_HOST: '127.0.0.1', TCP_PORT: '0', HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', FILE_PORT: '0', FILE_STORAGE_DIR: storage.dir, FILE_CHUNK_SIZE: String(CHUNK), FILE_ACK_EVERY: '2' };
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
    await node?.close();
    node = undefined;
  });
  afterAll(async () => {
    await db.drop();
    storage.cleanup();
  });

  async function start(): Promise<SwitchboardApp> {
    // The simulated crash is logged as an error: kept out of the test output.
    node = await createApp({ env, logStream: new Writable({ write: (_c, _e, cb) => cb() }) });
    return node;
  }

  async function user(server: SwitchboardApp): Promise<LoggedInUser> {
    const u = await registerAndLogin(server);
    clients.push(u.client);
    return u;
  }

  async function relogin(server: SwitchboardApp, u: LoggedInUser): Promise<SwitchboardClient> {
    const client = await loginAs(server, u);
    clients.push(client);
    return client;
  }

  /** The server "dies" after the rename: its process goes away, everything on disk and in the database stays. */
  async function restart(): Promise<SwitchboardApp> {
    await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
    await node!.close();
    return start();
  }

  const blobPath = (hex: string) => path.join(storage.dir, 'blobs', hex.slice(0, 2), hex);
  const partialPath = (id: string) => path.join(storage.dir, 'partial', id);

  it('finishes an upload whose content was committed when the server died before recording it', async () => {
    const first = await start();
    const [alice, bob] = [await user(first), await user(first)];
    const content = randomContent(5 * CHUNK + 123);
    const accept = await alice.client.call('file/request', uploadRequest(content, { type: 'user', id: bob.userId }, { file_name: 'crash.bin' }));
    // The crash point: the verified bytes are renamed into the blob store, the database step never runs.
    jest.spyOn(first.app.get(FileService), 'finishUpload').mockRejectedValueOnce(new Error('simulated crash after the commit rename'));
    const { peer } = await openData(accept, alice.client);
    sendData(peer, content, 0, CHUNK);
    expect(await peer.nextJson(TlvType.ERROR)).toMatchObject({ status: 500 });
    expect(fs.existsSync(blobPath(sha256(content)))).toBe(true);
    expect(fs.existsSync(partialPath(accept.transfer_id))).toBe(false);
    expect(await alice.client.call('file/ack', { transfer_id: accept.transfer_id })).toMatchObject({ state: 'active' });

    const second = await restart();
    const [aliceAgain, bobAgain] = [await relogin(second, alice), await relogin(second, bob)];
    const resumed = await aliceAgain.upload(content, { type: 'user', id: bob.userId }, { fileName: 'crash.bin', resumeTransferId: accept.transfer_id });
    expect(resumed).toMatchObject({ transferId: accept.transfer_id, size: content.length, instant: false, fileId: expect.stringMatching(/^f-/) });
    expect(await aliceAgain.call('file/ack', { transfer_id: accept.transfer_id })).toMatchObject({ state: 'complete', file_id: resumed.fileId, offset: content.length });
    const copy = path.join(storage.dir, 'bob-copy.bin');
    expect((await bobAgain.download(resumed.fileId, copy)).hash).toBe(sha256(content));
    expect(fs.readFileSync(copy).equals(content)).toBe(true);
  });

  it('answers the resume of an upload that finished unseen with its file, and sends the file-ref that a crash kept from going out, once', async () => {
    const first = await start();
    const [alice, bob] = [await user(first), await user(first)];
    const content = randomContent(3 * CHUNK);
    const accept = await alice.client.call('file/request', uploadRequest(content, { type: 'user', id: bob.userId }, { file_name: 'late-ref.bin' }));
    // The crash point: the file and the completed transfer are recorded, the file-ref never goes out.
    jest.spyOn(first.app.get(FileSharingService), 'shareUpload').mockRejectedValueOnce(new Error('simulated crash before the file-ref'));
    const { peer } = await openData(accept, alice.client);
    sendData(peer, content, 0, CHUNK);
    expect(await peer.nextJson(TlvType.ERROR)).toMatchObject({ status: 500 });
    const done = await alice.client.call('file/ack', { transfer_id: accept.transfer_id });
    expect(done).toMatchObject({ state: 'complete', file_id: expect.stringMatching(/^f-/) });

    const second = await restart();
    const [aliceAgain, bobAgain] = [await relogin(second, alice), await relogin(second, bob)];
    const resumed = await aliceAgain.upload(content, { type: 'user', id: bob.userId }, { fileName: 'late-ref.bin', resumeTransferId: accept.transfer_id });
    expect(resumed).toMatchObject({ transferId: accept.transfer_id, fileId: done.file_id, size: content.length });
    const ref = await bobAgain.waitFor((f) => f.command === 'message/event' && (f.payload as any).message.content.file_id === done.file_id);
    expect(ref.payload.message.content.name).toBe('late-ref.bin');
    // A second resume answers the same and sends no second file-ref.
    const again = await aliceAgain.call('file/request', { ...uploadRequest(content, { type: 'user', id: bob.userId }), resume: { transfer_id: accept.transfer_id, offset: 0 } });
    expect(again).toMatchObject({ status: 200, file_id: done.file_id, resume_offset: content.length });
    const history = await bobAgain.call('message/history', { conversation_id: ref.payload.message.conversation_id, limit: 50 });
    expect(history.messages.filter((m: any) => m.content.file_id === done.file_id)).toHaveLength(1);
  });

  it('restarts from 0 an upload whose partial data is gone (the state an older server left), and completes it', async () => {
    const first = await start();
    const [alice, bob] = [await user(first), await user(first)];
    const content = randomContent(6 * CHUNK);
    const accept = await alice.client.call('file/request', uploadRequest(content, { type: 'user', id: bob.userId }, { file_name: 'stuck.bin' }));
    const { peer } = await openData(accept, alice.client);
    const { acked } = await sendUntilAcked(peer, content, 0, 2 * CHUNK, CHUNK, 2);
    expect(acked).toBeGreaterThan(0);
    peer.destroy();
    // An ACK is sent only once its offset is stored.
    expect((await alice.client.call('file/ack', { transfer_id: accept.transfer_id })).offset).toBe(acked);
    // What a crash after the rename left before #18.7: no partial, the content in the blob store, the offset of the last ACK.
    const second = await restart();
    fs.mkdirSync(path.dirname(blobPath(sha256(content))), { recursive: true });
    fs.writeFileSync(blobPath(sha256(content)), content);
    fs.rmSync(partialPath(accept.transfer_id), { force: true });
    const aliceAgain = await relogin(second, alice);
    const resume = await aliceAgain.call('file/request', { ...uploadRequest(content, { type: 'user', id: bob.userId }), resume: { transfer_id: accept.transfer_id, offset: 0 } });
    expect(resume.resume_offset).toBe(acked);
    const again = await openData(resume, aliceAgain);
    // Nothing proves these bytes were sent (the stored content could be anyone's): start again.
    expect(again.start).toBe(0);
    sendData(again.peer, content, 0, CHUNK);
    const last = JSON.parse((await again.peer.next((f) => f.type === TlvType.ACK && JSON.parse(f.payload.toString()).file_id !== undefined)).payload.toString());
    expect(last).toMatchObject({ status: 200, offset: content.length });
    expect(await aliceAgain.call('file/ack', { transfer_id: accept.transfer_id })).toMatchObject({ state: 'complete', file_id: last.file_id });
  });
});

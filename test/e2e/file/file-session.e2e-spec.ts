/**
 * #18.3: a data connection belongs to the session whose token opened it. Revoking the session
 * (logout on all devices from another device, logout of the session itself, a kick) closes its
 * data connections at once with ERROR 401 SESSION_REVOKED — on every node, through the event bus —
 * and no further DATA is taken; the transfer stays resumable for the user. A data connection on
 * which nothing moves for FILE_IDLE_TIMEOUT_S is closed like an idle control connection.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { SessionsService } from '../../../src/modules/auth/sessions.service';
import { TlvType } from '../../../src/shared/protocol';
import { describeWith } from '../../support/requires';
import { LoggedInUser, loginAs, registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { dataChannel, openData, randomContent, sendData, tempDir, uploadRequest } from './file-helpers';

const CHUNK = 16 * 1024;
const REDIS_URL = process.env.TEST_REDIS_URL;

describe('#18.3 data connections are closed when their session is revoked', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ FILE_CHUNK_SIZE: String(CHUNK), FILE_ACK_EVERY: '1' });
  });
  afterAll(() => app.close());

  it('logout on all devices from another device closes the upload and download data connections of the session; DATA is no longer taken', async () => {
    const [alice, bob] = await Promise.all([registerAndLogin(app, { device: 'laptop' }), registerAndLogin(app)]);
    const phone = await loginAs(app, alice, 'phone');
    const shared = await bob.client.upload(randomContent(40 * CHUNK), { type: 'user', id: alice.userId }, { fileName: 'big.bin' });
    const content = randomContent(8 * CHUNK);
    const accept = await alice.client.call('file/request', uploadRequest(content, { type: 'user', id: bob.userId }));
    const upload = await openData(accept, alice.client);
    sendData(upload.peer, content, 0, CHUNK, CHUNK);
    expect((await upload.peer.nextJson(TlvType.ACK, 1)).offset).toBe(CHUNK);
    // A download that stalls (the client does not ACK beyond the window) stays open until revoked.
    const downloadAccept = await alice.client.call('file/request', { direction: 'download', file_id: shared.fileId });
    const download = await openData(downloadAccept, alice.client);

    await phone.call('auth/logout', { all_devices: true });
    expect(await upload.peer.nextJson(TlvType.ERROR)).toMatchObject({ status: 401, error_code: 'SESSION_REVOKED' });
    expect(await download.peer.nextJson(TlvType.ERROR)).toMatchObject({ status: 401, error_code: 'SESSION_REVOKED' });
    await Promise.all([upload.peer.whenClosed(), download.peer.whenClosed()]);
    // The rest of the bytes find no connection to take them; the transfer waits for its owner.
    const again = await loginAs(app, alice, 'laptop');
    expect(await again.call('file/ack', { transfer_id: accept.transfer_id })).toMatchObject({ state: 'active', offset: CHUNK });
    await phone.close();
    await again.close();
  });

  it("logging out the data connection's own session closes it too, and a new token resumes the transfer", async () => {
    const [alice, bob] = await Promise.all([registerAndLogin(app), registerAndLogin(app)]);
    const content = randomContent(3 * CHUNK);
    const accept = await alice.client.call('file/request', uploadRequest(content, { type: 'user', id: bob.userId }));
    const { peer } = await openData(accept, alice.client);
    await alice.client.call('auth/logout', {});
    expect(await peer.nextJson(TlvType.ERROR)).toMatchObject({ status: 401, error_code: 'SESSION_REVOKED' });
    await peer.whenClosed();
    const again = await loginAs(app, alice);
    const uploaded = await again.upload(content, { type: 'user', id: bob.userId }, { fileName: 'blob.bin', resumeTransferId: accept.transfer_id });
    expect(uploaded.transferId).toBe(accept.transfer_id);
    await again.close();
  });
});

describe('#18.3 idle data connections are closed like idle control connections', () => {
  let app: TestApp;
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  beforeAll(async () => {
    app = await startTestApp({ FILE_CHUNK_SIZE: String(CHUNK), FILE_ACK_EVERY: '1', FILE_IDLE_TIMEOUT_S: '1' });
    [alice, bob] = await Promise.all([registerAndLogin(app), registerAndLogin(app)]);
  });
  afterAll(() => app.close());

  it('closes an OPENed data connection that sends nothing with ERROR 408 IDLE_TIMEOUT; the transfer stays resumable', async () => {
    const accept = await alice.client.call('file/request', uploadRequest(randomContent(2 * CHUNK), { type: 'user', id: bob.userId }));
    const { peer } = await openData(accept, alice.client);
    const openedAt = Date.now();
    const error = await peer.nextJson(TlvType.ERROR);
    expect(error).toMatchObject({ status: 408, error_code: 'IDLE_TIMEOUT' });
    expect(error.error_message).toContain('FILE_IDLE_TIMEOUT_S');
    expect(Date.now() - openedAt).toBeGreaterThanOrEqual(900);
    await peer.whenClosed();
    expect(await alice.client.call('file/ack', { transfer_id: accept.transfer_id })).toMatchObject({ state: 'active' });
  });

  it('closes the data connection of a session revoked with no bus message (as the admin CLI does) at the next sweep', async () => {
    const carol = await registerAndLogin(app);
    const accept = await carol.client.call('file/request', uploadRequest(randomContent(2 * CHUNK), { type: 'user', id: bob.userId }));
    const { peer } = await openData(accept, carol.client);
    // Revoked in the database only: no kick, no unbind on the bus.
    await app.app.get(SessionsService).revoke([carol.sessionId], 'admin');
    expect(await peer.nextJson(TlvType.ERROR)).toMatchObject({ status: 401, error_code: 'SESSION_REVOKED' });
    await peer.whenClosed();
  });

  it('keeps a slow but moving upload open past the idle timeout', async () => {
    const content = randomContent(6 * CHUNK);
    const accept = await alice.client.call('file/request', uploadRequest(content, { type: 'user', id: bob.userId }));
    const { peer } = await openData(accept, alice.client);
    const startedAt = Date.now();
    for (let i = 0; i < 6; i++) {
      sendData(peer, content, i * CHUNK, CHUNK, (i + 1) * CHUNK);
      await peer.next((f) => f.type === TlvType.ACK && JSON.parse(f.payload.toString()).offset === (i + 1) * CHUNK);
      // The sender's own pace (what is under test), 6 × 400 ms = well past the 1 s idle timeout.
      if (i < 5) await new Promise((resolve) => setTimeout(resolve, 400));
    }
    expect(Date.now() - startedAt).toBeGreaterThan(2000);
    const last = await peer.next((f) => f.type === TlvType.ACK && JSON.parse(f.payload.toString()).file_id !== undefined);
    expect(JSON.parse(last.payload.toString()).offset).toBe(content.length);
    expect(peer.frames.some((f) => f.type === TlvType.ERROR)).toBe(false);
  });
});

describeWith({ redis: true }, '#18.3 revocation closes the data connections of the session on every node', () => {
  let node1: TestApp;
  let node2: TestApp;
  const storage = tempDir();
  const prefix = `sbtest:${randomBytes(4).toString('hex')}:`;
  beforeAll(async () => {
    const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix, AUTH_JWT_SECRET: 'file-session-nodes-secret-0123456789abcdef', FILE_STORAGE_DIR: storage.dir, FILE_CHUNK_SIZE: String(CHUNK), FILE_ACK_EVERY: '1' };
    node1 = await startTestApp(env);
    // Same database and storage as node 1: the second process of one deployment.
    node2 = await startTestApp({ ...env, ...node1.db.env, MIGRATIONS_RUN: 'off' });
  });
  afterAll(async () => {
    await node2?.close();
    await node1?.close();
    storage.cleanup();
    const redis = new Redis(REDIS_URL!);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('a kick on node 1 closes the upload data connection the session holds on node 2', async () => {
    const [alice, bob] = await Promise.all([registerAndLogin(node1), registerAndLogin(node1)]);
    const content = randomContent(4 * CHUNK);
    const accept = await alice.client.call('file/request', uploadRequest(content, { type: 'user', id: bob.userId }));
    // The data connection reaches the other node (as behind a balancer).
    const { peer } = await openData({ ...accept, endpoint: { ...accept.endpoint, port: dataChannel(node2).port } }, alice.client);
    sendData(peer, content, 0, CHUNK, CHUNK);
    expect((await peer.nextJson(TlvType.ACK, 1)).offset).toBe(CHUNK);
    const other = await loginAs(node1, alice, 'tablet');
    await other.call('auth/kick', { user_id: alice.userId, session_id: alice.sessionId });
    expect(await peer.nextJson(TlvType.ERROR)).toMatchObject({ status: 401, error_code: 'SESSION_REVOKED' });
    await peer.whenClosed();
    await other.close();
  });
});

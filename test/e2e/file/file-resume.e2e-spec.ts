/**
 * Resume: after the data socket is destroyed half-way (raw TLV peer, so we count every byte sent
 * twice), after a server restart (same database and storage directory), and automatically in the
 * SDK when the server drops the data connection.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createApp, SwitchboardApp } from '../../../src/bootstrap';
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { TlvType } from '../../../src/shared/protocol';
import { login, registerAndLogin, registerOn } from '../../support/users';
import { createTestDatabase } from '../../support/test-db';
import { startTestApp } from '../../support/test-app';
import { dataChannel, openData, randomContent, sendData, sendUntilAcked, sha256, tempDir, uploadRequest, uploadThroughOneDrop } from './file-helpers';

const CHUNK = 64 * 1024;
const ACK_EVERY = 4;
// A download window of 4 chunks: a cut data connection leaves most of a download to a resume
// (with the default 8 MiB the whole test file would already sit in the client's socket buffer).
const SMALL_CHUNKS = { FILE_CHUNK_SIZE: String(CHUNK), FILE_ACK_EVERY: String(ACK_EVERY), FILE_WINDOW_BYTES: String(4 * CHUNK) };


describe('file transfer: resume', () => {
  it('resumes after the data socket was destroyed half-way, re-sending only what was not acknowledged', async () => {
    const app = await startTestApp(SMALL_CHUNKS);
    const tmp = tempDir();
    try {
      const [alice, bob] = [await registerAndLogin(app), await registerAndLogin(app)];
      const data = randomContent(32 * CHUNK + 1234);
      const accept = await alice.client.call('file/request', uploadRequest(data, { type: 'user', id: bob.userId }));
      expect(accept).toMatchObject({ status: 200, chunk_size: CHUNK, resume_offset: 0, mode: 'passive', endpoint: { protocol: 'tcp' } });
      const first = await openData(accept, alice.client);
      expect(first.start).toBe(0);
      const half = await sendUntilAcked(first.peer, data, 0, 16 * CHUNK, CHUNK, ACK_EVERY);
      expect(half.acked).toBe(16 * CHUNK);
      // Two more chunks the server never acknowledges, then the socket dies.
      sendData(first.peer, data, half.sent, CHUNK, half.sent + 2 * CHUNK);
      let bytesSent = half.sent + 2 * CHUNK;
      first.peer.destroy();

      const again = await alice.client.call('file/request', { ...uploadRequest(data, { type: 'user', id: bob.userId }), resume: { transfer_id: accept.transfer_id, offset: half.acked } });
      expect(again.transfer_id).toBe(accept.transfer_id);
      expect(again.resume_offset).toBe(half.acked);
      const second = await openData(again, alice.client);
      expect(second.start).toBe(half.acked);
      sendData(second.peer, data, second.start, CHUNK);
      bytesSent += data.length - second.start;
      const final = await second.peer.next((f) => f.type === TlvType.ACK && JSON.parse(f.payload.toString()).file_id !== undefined);
      const { file_id: fileId, offset } = JSON.parse(final.payload.toString());
      expect(offset).toBe(data.length);
      // Nothing acknowledged was sent twice: the re-sent bytes are only the unacknowledged chunks.
      expect(bytesSent - data.length).toBeLessThanOrEqual(ACK_EVERY * CHUNK);
      expect(bytesSent - data.length).toBe(2 * CHUNK);
      const copy = path.join(tmp.dir, 'copy');
      await bob.client.download(fileId, copy);
      expect(fs.readFileSync(copy).equals(data)).toBe(true);
    } finally {
      await app.close();
      tmp.cleanup();
    }
  });

  it('resumes across a server restart from the durable offset', async () => {
    const db = await createTestDatabase();
    const tmp = tempDir();
    const env = { NODE_ENV: 'test', TCP_HOST: '127.0.0.1', TCP_PORT: '0', HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', LOG_LEVEL: 'error', FILE_PORT: '0', FILE_STORAGE_DIR: tmp.dir, ...SMALL_CHUNKS, ...db.env };
    let app: SwitchboardApp | undefined;
    const clients: SwitchboardClient[] = [];
    const connect = async (a: SwitchboardApp) => {
      const c = await SwitchboardClient.connect({ port: a.tcpPort });
      clients.push(c);
      return c;
    };
    try {
      app = await createApp({ env });
      const alice = await connect(app);
      const bob = await connect(app);
      const bobUser = await registerOn(bob, { username: 'bob_restart', password: 'pw-restart-bob-1' });
      await registerOn(alice, { username: 'alice_restart', password: 'pw-restart-alice-1' });
      await login(alice, 'alice_restart', 'pw-restart-alice-1');
      const data = randomContent(24 * CHUNK);
      const target = { type: 'user' as const, id: bobUser.userId };
      const accept = await alice.call('file/request', uploadRequest(data, target));
      const { peer } = await openData(accept, alice);
      const { acked } = await sendUntilAcked(peer, data, 0, 8 * CHUNK, CHUNK, ACK_EVERY);
      expect(acked).toBe(8 * CHUNK);
      await app.close();
      await peer.whenClosed();
      alice.destroy();
      bob.destroy();

      app = await createApp({ env });
      const alice2 = await connect(app);
      await login(alice2, 'alice_restart', 'pw-restart-alice-1');
      const ack = await alice2.call('file/ack', { transfer_id: accept.transfer_id });
      expect(ack).toMatchObject({ status: 200, offset: acked, state: 'active' });
      const progress: number[] = [];
      // The SDK resumes a transfer started before the restart when given its id.
      const result = await alice2.upload(data, target, { fileName: 'blob.bin', resumeTransferId: accept.transfer_id, onProgress: (p) => progress.push(p.bytes) });
      expect(result.transferId).toBe(accept.transfer_id);
      expect(Math.min(...progress)).toBeGreaterThan(acked);
      const bob2 = await connect(app);
      await login(bob2, 'bob_restart', 'pw-restart-bob-1');
      const chunks: Buffer[] = [];
      const { Writable } = await import('node:stream');
      await bob2.download(result.fileId, new Writable({ write: (c, _e, cb) => (chunks.push(c), cb()) }));
      expect(sha256(Buffer.concat(chunks))).toBe(sha256(data));
    } finally {
      for (const c of clients) c.destroy();
      await app?.close();
      await db.drop();
      tmp.cleanup();
    }
  });

  it('the SDK resumes by itself when the server drops the data connection mid-upload and mid-download', async () => {
    const app = await startTestApp(SMALL_CHUNKS);
    try {
      const [alice, bob] = [await registerAndLogin(app), await registerAndLogin(app)];
      const data = randomContent(40 * CHUNK);
      // Acknowledged progress never goes back: the resume starts at the last durable offset.
      const uploaded = await uploadThroughOneDrop(app, alice.client, bob.userId, data, 12 * CHUNK);

      let cut = 0;
      const destroyed = new Set<unknown>();
      let resumedOnNewConnection = false;
      const chunks: Buffer[] = [];
      const { Writable } = await import('node:stream');
      await bob.client.download(uploaded.fileId, new Writable({ write: (c, _e, cb) => (chunks.push(c), cb()) }), {
        onProgress: (p) => {
          if (cut === 0 && p.bytes >= 20 * CHUNK) {
            cut++;
            for (const conn of dataChannel(app).connections) {
              destroyed.add(conn);
              conn.destroy();
            }
          } else if (cut > 0 && [...dataChannel(app).connections].some((c) => !destroyed.has(c))) {
            resumedOnNewConnection = true;
          }
        },
      });
      expect(cut).toBe(1);
      // The rest came over a second data connection (the window kept it from arriving earlier).
      expect(resumedOnNewConnection).toBe(true);
      expect(Buffer.concat(chunks).equals(data)).toBe(true);
    } finally {
      await app.close();
    }
  });
});

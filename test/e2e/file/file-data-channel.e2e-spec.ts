/**
 * The data channel under bad input and with encryption: every protocol violation is an ERROR
 * frame with status and code, then close; random bytes and truncated frames never crash the
 * server (fast-check property); an encrypted round trip works and a tampered chunk aborts.
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deriveTransferKey, encodeTlv, sealChunk, TlvType } from '../../../src/shared/protocol';
import { LoggedInUser, registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { TlvPeer } from '../../support/tlv-helpers';
import { dataChannel, openData, randomContent, sha256, tempDir, uploadRequest } from './file-helpers';

const CHUNK = 4096;
const WINDOW = 64 * 1024;
const PSK = Buffer.alloc(32, 7);
const KEYS = `k1:${PSK.toString('base64')}`;

describe('file data channel: bad input', () => {
  let app: TestApp;
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  let port: number;
  beforeAll(async () => {
    app = await startTestApp({ FILE_CHUNK_SIZE: String(CHUNK), FILE_WINDOW_BYTES: String(WINDOW), FILE_ACK_EVERY: '2', PAYLOAD_KEYS: KEYS, IDLE_TIMEOUT_MS: '300', FRAME_TIMEOUT_MS: '300' });
    [alice, bob] = await Promise.all([registerAndLogin(app), registerAndLogin(app)]);
    port = dataChannel(app).port;
  });
  afterAll(() => app.close());

  async function refused(write: (peer: TlvPeer) => void): Promise<Record<string, any>> {
    const peer = await TlvPeer.connect(port);
    write(peer);
    const error = await peer.nextJson(TlvType.ERROR);
    await peer.whenClosed();
    return error;
  }

  it('answers each violation with an ERROR frame (status, code, message) and closes', async () => {
    const data = randomContent(3 * CHUNK);
    const accept = await alice.client.call('file/request', uploadRequest(data, { type: 'user', id: bob.userId }));
    expect(await refused((p) => p.send(TlvType.DATA, data.subarray(0, 10)))).toMatchObject({ status: 400, error_code: 'INVALID_FRAME' });
    expect(await refused((p) => p.send(0x7f, 'x'))).toMatchObject({ status: 400, error_code: 'INVALID_FRAME' });
    expect(await refused((p) => p.writeRaw(Buffer.from([TlvType.DATA, 0xff, 0xff, 0xff, 0x7f])))).toMatchObject({ status: 413, error_code: 'FRAME_TOO_LARGE' });
    expect(await refused((p) => p.send(TlvType.OPEN, 'not json'))).toMatchObject({ status: 400, error_code: 'INVALID_FRAME' });
    expect(await refused((p) => p.send(TlvType.OPEN, { transfer_id: accept.transfer_id }))).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(await refused((p) => p.send(TlvType.OPEN, { transfer_id: accept.transfer_id, token: 'forged' }))).toMatchObject({ status: 401 });
    // Bob's valid token on Alice's transfer: same answer as an unknown transfer.
    const foreign = await refused((p) => p.send(TlvType.OPEN, { transfer_id: accept.transfer_id, token: bob.client.token }));
    const unknown = await refused((p) => p.send(TlvType.OPEN, { transfer_id: 'tr-0000000000000000', token: alice.client.token }));
    expect(foreign).toMatchObject({ status: 404, error_code: 'TRANSFER_NOT_FOUND' });
    expect(unknown.error_code).toBe('TRANSFER_NOT_FOUND');
    // Bytes beyond file_size: refused before anything is written past it.
    const other = randomContent(CHUNK);
    const second = await alice.client.call('file/request', uploadRequest(other, { type: 'user', id: bob.userId }));
    const open2 = await openData(second, alice.client);
    open2.peer.send(TlvType.DATA, Buffer.concat([other, Buffer.alloc(1)]));
    expect(await open2.peer.nextJson(TlvType.ERROR)).toMatchObject({ status: 400, error_code: 'INVALID_FRAME' });
    await open2.peer.whenClosed();
    // The transfer itself survives a bad connection: it resumes from the durable offset.
    expect(await alice.client.call('file/ack', { transfer_id: second.transfer_id })).toMatchObject({ state: 'active', offset: 0 });
  });

  it('never crashes on random bytes or truncated frames (property), and keeps serving both channels', async () => {
    const valid = encodeTlv(TlvType.OPEN, JSON.stringify({ transfer_id: 'tr-00000000', token: 'x' }));
    const inputs = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 300 }),
      fc.nat({ max: valid.length - 1 }).map((n) => valid.subarray(0, n + 1)),
      fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 64 })).map(([t, body]) => encodeTlv(t, Buffer.from(body))),
    );
    await fc.assert(
      fc.asyncProperty(inputs, async (bytes) => {
        const peer = await TlvPeer.connect(port);
        peer.writeRaw(Buffer.from(bytes));
        // Either the server answers (ERROR then close) or it waits for the rest of a frame.
        const answered = await Promise.race([peer.whenClosed().then(() => true), peer.next((f) => f.type === TlvType.ERROR).then(() => true).catch(() => true)]).catch(() => true);
        expect(answered).toBe(true);
        for (const f of peer.frames) expect([TlvType.ERROR, TlvType.ACK]).toContain(f.type);
        peer.destroy();
      }),
      { numRuns: 40 },
    );
    const ping = await alice.client.request('control/ping');
    expect(ping.payload.status).toBe(200);
    const content = randomContent(CHUNK * 2 + 3);
    const uploaded = await alice.client.upload(content, { type: 'user', id: bob.userId }, { fileName: 'after-fuzz.bin' });
    expect(uploaded.size).toBe(content.length);
  }, 60_000);

  it('a download fills but never exceeds FILE_WINDOW_BYTES unacknowledged, and the answer says window_bytes', async () => {
    const content = randomContent(3 * WINDOW + 5 * CHUNK + 100);
    const uploaded = await alice.client.upload(content, { type: 'user', id: bob.userId }, { fileName: 'window.bin' });
    const accept = await bob.client.call('file/request', { direction: 'download', file_id: uploaded.fileId });
    // The SDK paces its ACKs by window_bytes (a few per window instead of one per chunk).
    expect(accept).toMatchObject({ status: 200, chunk_size: CHUNK, window_bytes: WINDOW });
    const { peer } = await openData(accept, bob.client);
    const received: Buffer[] = [];
    let held = 0;
    let acked = 0;
    let seen = peer.frames.length;
    while (held < content.length) {
      const frame = await peer.next((f) => f.type === TlvType.DATA, seen);
      seen = peer.frames.indexOf(frame) + 1;
      received.push(frame.payload);
      held += frame.length;
      expect(held - acked).toBeLessThanOrEqual(WINDOW);
      // Acknowledge only once the server must stop: if it stopped short of the window, this
      // loop would wait for a frame that never comes.
      if (held - acked === WINDOW || held === content.length) {
        peer.send(TlvType.ACK, { transfer_id: accept.transfer_id, offset: held, status: 200 });
        acked = held;
      }
    }
    const last = await peer.next((f) => f.type === TlvType.ACK && JSON.parse(f.payload.toString()).file_id !== undefined, seen);
    expect(JSON.parse(last.payload.toString())).toMatchObject({ offset: content.length, status: 200, file_id: uploaded.fileId });
    expect(Buffer.concat(received).equals(content)).toBe(true);
    await peer.whenClosed();
  });

  it('encrypted round trip: payloads are sealed on the wire, the file arrives intact', async () => {
    const tmp = tempDir();
    try {
      const content = randomContent(5 * CHUNK + 17);
      const uploaded = await alice.client.upload(content, { type: 'user', id: bob.userId }, { fileName: 'secret.bin', encryption: 'aes-gcm', keys: KEYS });
      const dest = path.join(tmp.dir, 'secret.bin');
      await bob.client.download(uploaded.fileId, dest, { encryption: 'aes-gcm', keys: KEYS });
      expect(fs.readFileSync(dest).equals(content)).toBe(true);
      // On the wire the download's data frames are not the plaintext.
      const accept = await bob.client.call('file/request', { direction: 'download', file_id: uploaded.fileId, encryption: 'aes-gcm' });
      expect(accept).toMatchObject({ encryption: 'aes-gcm', key_id: 'k1' });
      const { peer } = await openData(accept, bob.client);
      const first = await peer.next((f) => f.type === TlvType.DATA);
      expect(first.payload.length).toBe(CHUNK + 16);
      expect(first.payload.subarray(0, CHUNK).equals(content.subarray(0, CHUNK))).toBe(false);
      peer.destroy();
    } finally {
      tmp.cleanup();
    }
  });

  it('a tampered encrypted chunk aborts the transfer (DECRYPTION_FAILED), nothing is kept', async () => {
    const content = randomContent(3 * CHUNK);
    const accept = await alice.client.call('file/request', { ...uploadRequest(content, { type: 'user', id: bob.userId }), encryption: 'aes-gcm' });
    const key = deriveTransferKey(PSK, accept.transfer_id);
    const { peer } = await openData(accept, alice.client);
    peer.send(TlvType.DATA, sealChunk(key, accept.transfer_id, 0, content.subarray(0, CHUNK)));
    const tampered = sealChunk(key, accept.transfer_id, 1, content.subarray(CHUNK, 2 * CHUNK));
    tampered[10] ^= 0x01;
    peer.send(TlvType.DATA, tampered);
    expect(await peer.nextJson(TlvType.ERROR)).toMatchObject({ status: 400, error_code: 'DECRYPTION_FAILED' });
    await peer.whenClosed();
    const ack = await alice.client.waitFor((f) => f.command === 'file/ack' && f.payload.transfer_id === accept.transfer_id);
    expect(ack.payload).toMatchObject({ status: 400, error_code: 'DECRYPTION_FAILED' });
    expect(fs.existsSync(path.join(app.env.FILE_STORAGE_DIR!, 'partial', accept.transfer_id))).toBe(false);
    expect(fs.existsSync(path.join(app.env.FILE_STORAGE_DIR!, 'blobs', sha256(content).slice(0, 2), sha256(content)))).toBe(false);
  });
});

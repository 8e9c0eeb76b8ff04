/**
 * #18.2: content-addressed storage must never grant access. Instant upload (no byte sent) is
 * offered only for content the caller can already read; a stranger who merely knows the sha256
 * and size (they are in every file-ref message) uploads the bytes like anyone with new content,
 * gets the same answers as for content the server never saw, and the bytes are stored once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TlvType } from '../../../src/shared/protocol';
import { LoggedInUser, registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { openData, randomContent, sendData, sha256, uploadRequest } from './file-helpers';

const CHUNK = 64 * 1024;

/** Every stored blob name (blobs/<aa>/<sha256>). */
function blobFiles(app: TestApp): string[] {
  const root = path.join(app.env.FILE_STORAGE_DIR!, 'blobs');
  return fs.readdirSync(root).flatMap((dir) => fs.readdirSync(path.join(root, dir))).sort();
}

/** A file/request answer with what differs per request (ids, the file's own size and hash) blanked. */
function shape(answer: Record<string, any>): Record<string, unknown> {
  return { ...answer, transfer_id: 'X', hash: 'X', file_size: 'X' };
}

describe('#18.2 instant upload: a stranger with the hash gets no access and cannot tell that the content existed', () => {
  let app: TestApp;
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  let mallory: LoggedInUser;
  beforeAll(async () => {
    app = await startTestApp({ FILE_CHUNK_SIZE: String(CHUNK), FILE_ACK_EVERY: '2' });
    [alice, bob, mallory] = await Promise.all([registerAndLogin(app), registerAndLogin(app), registerAndLogin(app)]);
  });
  afterAll(() => app.close());

  it('answers a stranger who names stored content exactly as for unknown content, and the download stays refused', async () => {
    const secret = randomContent(3 * CHUNK + 17);
    const shared = await alice.client.upload(secret, { type: 'user', id: bob.userId }, { fileName: 'payroll.xlsx' });
    // Everything Mallory needs is in the file-ref message Bob received (and could forward).
    const known = await mallory.client.call('file/request', uploadRequest(secret, { type: 'user', id: bob.userId }, { file_name: 'x.bin' }));
    const unknownContent = randomContent(secret.length);
    const unknown = await mallory.client.call('file/request', uploadRequest(unknownContent, { type: 'user', id: bob.userId }, { file_name: 'x.bin' }));
    expect(known.instant).toBeUndefined();
    expect(known.file_id).toBeUndefined();
    expect(known).toMatchObject({ status: 200, resume_offset: 0, direction: 'upload' });
    expect(shape(known)).toEqual(shape(unknown));
    // The state of the transfer says nothing either.
    expect(await mallory.client.call('file/ack', { transfer_id: known.transfer_id })).toEqual({ status: 200, transfer_id: known.transfer_id, offset: 0, state: 'active' });
    // No file of Alice's became Mallory's.
    const download = await mallory.client.request('file/request', { direction: 'download', file_id: shared.fileId });
    expect(download.payload).toMatchObject({ status: 403, error_code: 'FORBIDDEN' });
    await mallory.client.call('file/cancel', { transfer_id: known.transfer_id });
    await mallory.client.call('file/cancel', { transfer_id: unknown.transfer_id });
  });

  it('makes a stranger upload the bytes; they are stored once, silently, and the upload ends like any other', async () => {
    const content = randomContent(4 * CHUNK);
    await alice.client.upload(content, { type: 'user', id: bob.userId }, { fileName: 'a.bin' });
    const blobsBefore = blobFiles(app);
    expect(blobsBefore).toContain(sha256(content));
    const accept = await mallory.client.call('file/request', uploadRequest(content, { type: 'user', id: bob.userId }, { file_name: 'own.bin' }));
    const { peer, start } = await openData(accept, mallory.client);
    expect(start).toBe(0);
    sendData(peer, content, 0, CHUNK);
    const done = JSON.parse((await peer.next((f) => f.type === TlvType.ACK && JSON.parse(f.payload.toString()).file_id !== undefined)).payload.toString());
    expect(done).toMatchObject({ status: 200, offset: content.length, transfer_id: accept.transfer_id });
    await peer.whenClosed();
    // Mallory held the bytes, so the new file is hers to read; the disk holds the content once.
    const copy = await mallory.client.download(done.file_id, path.join(app.env.FILE_STORAGE_DIR!, '..', `mallory-${accept.transfer_id}.bin`));
    expect(copy.hash).toBe(sha256(content));
    expect(blobFiles(app)).toEqual(blobsBefore);
    expect(fs.existsSync(path.join(app.env.FILE_STORAGE_DIR!, 'partial', accept.transfer_id))).toBe(false);
    // The SDK, for the same stranger and other content someone else stored: bytes sent, not instant.
    const other = randomContent(2 * CHUNK);
    await alice.client.upload(other, { type: 'user', id: bob.userId }, { fileName: 'b.bin' });
    const sdk = await mallory.client.upload(other, { type: 'user', id: bob.userId }, { fileName: 'b-again.bin' });
    expect(sdk.instant).toBe(false);
  });

  it('still completes at once for content the caller can already read: the uploader, and a member of a conversation it was shared in', async () => {
    const content = randomContent(2 * CHUNK + 5);
    await alice.client.upload(content, { type: 'user', id: bob.userId }, { fileName: 'report.pdf' });
    const again = await alice.client.call('file/request', uploadRequest(content, { type: 'user', id: bob.userId }, { file_name: 'report-v2.pdf' }));
    expect(again).toMatchObject({ status: 200, resume_offset: content.length, instant: true, file_id: expect.stringMatching(/^f-/) });
    // Bob received it in a file-ref message: forwarding it as a new upload needs no bytes.
    const forwarded = await bob.client.upload(content, { type: 'user', id: mallory.userId }, { fileName: 'fwd.pdf' });
    expect(forwarded.instant).toBe(true);
    const event = await mallory.client.waitFor((f) => f.command === 'message/event' && (f.payload as any).message.content.file_id === forwarded.fileId);
    expect(event.payload.message.content.name).toBe('fwd.pdf');
  });
});

/**
 * The two phases end to end with the SDK: a 10 MiB upload to a user becomes a file-ref message,
 * the recipient downloads it byte-identical over the TLV channel; instant upload of known content;
 * who may download (403 for strangers, same as unknown); voice/attachments must name a file the
 * sender may share; an unknown mode refused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { registerAndLogin, LoggedInUser } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { randomContent, sha256, tempDir, uploadRequest } from './file-helpers';

/** Every stored blob name (blobs/<aa>/<sha256>). */
function blobFiles(root: string): string[] {
  return fs.readdirSync(root).flatMap((dir) => fs.readdirSync(path.join(root, dir))).sort();
}

describe('file transfer: upload, share, download', () => {
  let app: TestApp;
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  let carol: LoggedInUser;
  const tmp = tempDir();

  beforeAll(async () => {
    app = await startTestApp();
    [alice, bob, carol] = await Promise.all([registerAndLogin(app), registerAndLogin(app), registerAndLogin(app)]);
  });
  afterAll(async () => {
    await app.close();
    tmp.cleanup();
  });

  it('uploads 10 MiB from a path, shares it as a file-ref message, and the recipient downloads it byte-identical', async () => {
    const content = randomContent(10 * 1024 * 1024);
    const source = path.join(tmp.dir, 'report.pdf');
    fs.writeFileSync(source, content);
    const progress: number[] = [];
    const uploaded = await alice.client.upload(source, { type: 'user', id: bob.userId }, { mime: 'application/pdf', onProgress: (p) => progress.push(p.bytes) });
    expect(uploaded).toMatchObject({ size: content.length, hash: sha256(content), instant: false });
    expect(uploaded.fileId).toMatch(/^f-/);
    expect(progress.at(-1)).toBe(content.length);
    // Durable acks came in between, increasing.
    expect(progress.length).toBeGreaterThan(2);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);

    const event = await bob.client.waitFor((f) => f.command === 'message/event' && (f.payload as any).message.content.type === 'file-ref');
    expect(event.payload.message.content).toEqual({
      type: 'file-ref',
      file_id: uploaded.fileId,
      name: 'report.pdf',
      size: content.length,
      hash: `sha256:${sha256(content)}`,
      mime: 'application/pdf',
    });
    expect(event.payload.message.sender_id).toBe(alice.userId);
    const ack = await alice.client.waitFor((f) => f.command === 'file/ack' && f.payload.file_id === uploaded.fileId);
    expect(ack.payload).toMatchObject({ status: 200, offset: content.length, transfer_id: uploaded.transferId });

    const dest = path.join(tmp.dir, 'bob-copy.pdf');
    const downloaded = await bob.client.download(uploaded.fileId, dest);
    expect(downloaded).toMatchObject({ size: content.length, hash: sha256(content) });
    expect(fs.readFileSync(dest).equals(content)).toBe(true);
    expect(fs.existsSync(`${dest}.part`)).toBe(false);
    // The uploader may download too.
    const again = await alice.client.download(uploaded.fileId, path.join(tmp.dir, 'alice-copy.pdf'));
    expect(again.hash).toBe(sha256(content));
  });

  it('completes an upload of content the caller can already read at once (instant upload), as a new file shared again', async () => {
    const content = randomContent(300 * 1024);
    const first = await alice.client.upload(content, { type: 'user', id: carol.userId }, { fileName: 'a.bin' });
    const stored = () => blobFiles(path.join(app.env.FILE_STORAGE_DIR!, 'blobs'));
    const before = stored();
    // Carol received the file-ref: she may read the content, so sending it on costs no bytes (#18.2).
    const response = await carol.client.call('file/request', uploadRequest(content, { type: 'user', id: bob.userId }, { file_name: 'same.bin' }));
    expect(response).toMatchObject({ status: 200, resume_offset: content.length, instant: true });
    expect(response.file_id).toMatch(/^f-/);
    expect(response.file_id).not.toBe(first.fileId);
    const second = await carol.client.upload(content, { type: 'user', id: bob.userId }, { fileName: 'same-sdk.bin' });
    expect(second.instant).toBe(true);
    const event = await bob.client.waitFor((f) => f.command === 'message/event' && (f.payload as any).message.content.file_id === response.file_id);
    expect(event.payload.message.content.name).toBe('same.bin');
    // Stored once: the two instant uploads added no blob (other tests' blobs may share the prefix directory).
    expect(stored()).toEqual(before);
    expect(before).toContain(sha256(content));
  });

  it('answers a stranger exactly as for an unknown file: 403', async () => {
    const uploaded = await alice.client.upload(randomContent(1000), { type: 'user', id: bob.userId }, { fileName: 'private.txt' });
    const stranger = await carol.client.request('file/request', { direction: 'download', file_id: uploaded.fileId });
    const unknown = await carol.client.request('file/request', { direction: 'download', file_id: 'f-000000000000000000000000' });
    expect(stranger.payload).toMatchObject({ status: 403, error_code: 'FORBIDDEN' });
    expect(unknown.payload.status).toBe(403);
    expect(stranger.payload.error_message!.replace(uploaded.fileId, 'X')).toBe(unknown.payload.error_message!.replace('f-000000000000000000000000', 'X'));
  });

  it('lets group members download a file shared in the group, and nobody else', async () => {
    const group = await alice.client.call('group/create', { name: 'files', members: [bob.userId] });
    const content = randomContent(2000);
    const uploaded = await alice.client.upload(content, { type: 'group', id: group.conversation_id }, { fileName: 'g.bin' });
    const chunks: Buffer[] = [];
    const { Writable } = await import('node:stream');
    await bob.client.download(uploaded.fileId, new Writable({ write: (c, _e, cb) => (chunks.push(c), cb()) }));
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
    expect((await carol.client.request('file/request', { direction: 'download', file_id: uploaded.fileId })).payload.status).toBe(403);
  });

  it('voice messages and attachments must name a file the sender may share; sharing lets the recipient download', async () => {
    const clip = await alice.client.upload(randomContent(5000), { type: 'user', id: bob.userId }, { fileName: 'clip.ogg' });
    // Carol may not share Alice's file with anyone.
    const refused = await carol.client.request('message/send', { target: { type: 'user', id: bob.userId }, content: { type: 'voice', file_id: clip.fileId, duration_ms: 1200 } });
    expect(refused.payload).toMatchObject({ status: 403, error_code: 'FORBIDDEN' });
    const unknown = await alice.client.request('message/send', { target: { type: 'user', id: bob.userId }, content: { type: 'text', text: 'see' }, attachments: [{ file_id: 'f-nope' }] });
    expect(unknown.payload.status).toBe(403);
    // Alice forwards her file to Carol as an attachment: now Carol may download it.
    const sent = await alice.client.request('message/send', { target: { type: 'user', id: carol.userId }, content: { type: 'text', text: 'for you' }, attachments: [{ file_id: clip.fileId, name: 'clip.ogg' }] });
    expect(sent.payload.status).toBe(200);
    const got = await carol.client.download(clip.fileId, path.join(tmp.dir, 'carol-clip.ogg'));
    expect(got.size).toBe(5000);
    const voice = await alice.client.request('message/send', { target: { type: 'user', id: bob.userId }, content: { type: 'voice', file_id: clip.fileId, duration_ms: 1200 } });
    expect(voice.payload.status).toBe(200);
  });

  it('refuses an unknown mode with 400 MODE_NOT_SUPPORTED, and mode "active" without the sender\'s endpoint', async () => {
    const response = await alice.client.request('file/request', { ...uploadRequest(randomContent(10), { type: 'user', id: bob.userId }), mode: 'p2p' });
    expect(response.payload).toMatchObject({ status: 400, error_code: 'MODE_NOT_SUPPORTED' });
    expect(response.payload.error_message).toContain('passive');
    // Direct transfers (file-direct.e2e-spec.ts) need where the sender listens.
    const active = await alice.client.request('file/request', { ...uploadRequest(randomContent(10), { type: 'user', id: bob.userId }), mode: 'active' });
    expect(active.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(active.payload.error_message).toContain('endpoint');
  });
});

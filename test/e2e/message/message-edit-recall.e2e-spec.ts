/**
 * message/edit and message/recall over real sockets and a real database: each change is an
 * entry of the conversation's ordered stream (pushed live, returned by history/sync/offline),
 * the message row holds the latest content or the tombstone, and a recalled message's text is
 * gone from the database (the row and the edit entries that carried it).
 */
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import type { Envelope, WireMessage } from '../../../src/shared/protocol';
import { MessageEntity } from '../../../src/modules/message/entities/message.entity';
import { ConversationStream } from '../../../src/modules/message';
import { login, LoggedInUser } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { CLIENT_TIMEOUT_MS, createGroup, directId, newUser, secondDevice, sendText, text } from './message-helpers';

jest.setTimeout(60_000);

const entryOf = (kind: string) => (f: Envelope) => f.command === 'message/event' && (f.payload as any).message.kind === kind;

/** The error payload of a refused request. */
async function refusal(client: SwitchboardClient, command: string, payload: Record<string, unknown>) {
  const res = await client.request(command, payload);
  expect(res.payload.status).toBeGreaterThanOrEqual(400);
  return { status: res.payload.status, code: res.payload.error_code };
}

describe('message/edit and message/recall', () => {
  let app: TestApp;
  let messages: ReturnType<DataSource['getRepository']>;

  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0', MESSAGE_EDIT_WINDOW_S: '3600', MESSAGE_RECALL_WINDOW_S: '600' });
    messages = app.app.get(DataSource).getRepository(MessageEntity);
  });
  afterAll(() => app?.close());

  /** Moves a message's send time into the past (the windows are measured from it). */
  const backdate = (messageId: string, seconds: number) => messages.update({ id: messageId }, { sentAt: Date.now() - seconds * 1000 });

  it('the author edits: members get a message.edited entry, history returns the new content with edited_at and edit_count', async () => {
    const [alice, bob] = [await newUser(app), await newUser(app)];
    const sent = await sendText(alice.client, bob.userId, 'helo');
    const conversationId = sent.conversation_id as string;
    const pushed = bob.client.waitFor(entryOf('message.edited'));
    const edited = await alice.client.call('message/edit', { conversation_id: conversationId, seq: sent.seq, content: text('hello') }, { id: 'edit-1' });
    expect(edited.message).toMatchObject({ message_id: sent.message_id, seq: sent.seq, content: text('hello'), edit_count: 1 });
    expect(edited.message.edited_at).toBeGreaterThanOrEqual(sent.sent_at as number);
    expect(edited.entry).toMatchObject({ seq: (sent.seq as number) + 1, kind: 'message.edited', sender_id: alice.userId, ref_seq: sent.seq, content: { message_id: sent.message_id, seq: sent.seq, content: text('hello') } });
    expect((await pushed).payload.message).toEqual(edited.entry);

    // A retry (same request id) answers the same change; it is not a second edit.
    const retry = await alice.client.call('message/edit', { conversation_id: conversationId, seq: sent.seq, content: text('hello') }, { id: 'edit-1' });
    expect(retry).toMatchObject({ duplicate: true, entry: edited.entry, message: { edit_count: 1 } });
    const second = await alice.client.call('message/edit', { conversation_id: conversationId, seq: sent.seq, content: text('hello!') });

    const page = await bob.client.call('message/history', { conversation_id: conversationId });
    expect(page.messages.map((m: WireMessage) => [m.seq, m.kind ?? 'message'])).toEqual([
      [1, 'message'],
      [2, 'message.edited'],
      [3, 'message.edited'],
    ]);
    expect(page.messages[0]).toMatchObject({ content: text('hello!'), edit_count: 2 });
    expect(page.messages[2]).toEqual(second.entry);
  });

  it('refuses: someone else\'s message (403 NOT_AUTHOR), a stranger (as an unknown conversation), past the window, another type, an entry', async () => {
    const [alice, bob, stranger] = [await newUser(app), await newUser(app), await newUser(app)];
    const groupId = await createGroup(alice, [bob.userId]);
    const sent = await alice.client.call('message/send', { target: { type: 'group', id: groupId }, content: text('mine') });
    const edit = { conversation_id: groupId, seq: sent.seq, content: text('theirs') };

    expect(await refusal(bob.client, 'message/edit', edit)).toEqual({ status: 403, code: 'NOT_AUTHOR' });
    const unknown = await refusal(stranger.client, 'message/edit', { ...edit, conversation_id: 'g-no-such-group' });
    expect(unknown).toEqual({ status: 403, code: 'NOT_A_MEMBER' });
    expect(await refusal(stranger.client, 'message/edit', edit)).toEqual(unknown);
    expect(await refusal(stranger.client, 'message/recall', { conversation_id: groupId, seq: sent.seq })).toEqual(unknown);
    expect(await refusal(alice.client, 'message/edit', { ...edit, seq: 99 })).toEqual({ status: 404, code: 'NOT_FOUND' });
    expect(await refusal(alice.client, 'message/edit', { ...edit, content: { type: 'emoji', emoji: '👍' } })).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await refusal(alice.client, 'message/edit', { conversation_id: groupId, seq: sent.seq })).toEqual({ status: 400, code: 'VALIDATION_FAILED' });

    const entry = await alice.client.call('message/edit', edit);
    // A stream entry is not a message: it cannot be edited itself.
    expect(await refusal(alice.client, 'message/edit', { ...edit, seq: entry.entry.seq })).toEqual({ status: 404, code: 'NOT_FOUND' });

    await backdate(sent.message_id as string, 3601);
    expect(await refusal(alice.client, 'message/edit', edit)).toEqual({ status: 403, code: 'EDIT_WINDOW_EXPIRED' });
    // Nothing was appended by the refusals: the stream holds the message and one edit.
    expect((await bob.client.call('message/history', { conversation_id: groupId })).messages).toHaveLength(2);
  });

  it('recall erases the content from the database and every later answer; moderators recall anything, authors within the window', async () => {
    const [owner, admin, bob, carol] = [await newUser(app), await newUser(app), await newUser(app), await newUser(app)];
    const groupId = await createGroup(owner, [bob.userId, carol.userId]);
    await owner.client.call('group/add', { conversation_id: groupId, members: [admin.userId], role: 'admin' });
    const group = { type: 'group', id: groupId };
    const secret = await bob.client.call('message/send', { target: group, content: text('the password is hunter2') });
    await bob.client.call('message/edit', { conversation_id: groupId, seq: secret.seq, content: text('the password is hunter2, really') });
    const old = await carol.client.call('message/send', { target: group, content: text('old news') });
    const fresh = await carol.client.call('message/send', { target: group, content: text('fresh') });
    await backdate(old.message_id as string, 601);

    // Plain members: not someone else's, not their own past the window.
    expect(await refusal(bob.client, 'message/recall', { conversation_id: groupId, seq: fresh.seq })).toEqual({ status: 403, code: 'NOT_AUTHOR' });
    expect(await refusal(carol.client, 'message/recall', { conversation_id: groupId, seq: old.seq })).toEqual({ status: 403, code: 'RECALL_WINDOW_EXPIRED' });

    const pushed = carol.client.waitFor(entryOf('message.recalled'));
    const recalled = await bob.client.call('message/recall', { conversation_id: groupId, seq: secret.seq }, { id: 'recall-1' });
    expect(recalled.message).toMatchObject({ message_id: secret.message_id, seq: secret.seq, content: { type: 'recalled' }, attachments: [], meta: {}, recalled_by: bob.userId });
    expect(recalled.entry).toMatchObject({ kind: 'message.recalled', ref_seq: secret.seq, sender_id: bob.userId, content: { message_id: secret.message_id, seq: secret.seq, recalled_by: bob.userId } });
    expect((await pushed).payload.message).toEqual(recalled.entry);
    const again = await bob.client.call('message/recall', { conversation_id: groupId, seq: secret.seq }, { id: 'recall-2' });
    expect(again).toMatchObject({ duplicate: true, entry: recalled.entry });

    // Moderation: the owner and admins recall anyone's message, past the window too.
    const moderated = await admin.client.call('message/recall', { conversation_id: groupId, seq: old.seq });
    expect(moderated.message).toMatchObject({ recalled_by: admin.userId, content: { type: 'recalled' } });
    expect(await refusal(owner.client, 'message/recall', { conversation_id: groupId, seq: old.seq })).toEqual({ status: 409, code: 'MESSAGE_RECALLED' });
    expect(await refusal(bob.client, 'message/edit', { conversation_id: groupId, seq: secret.seq, content: text('x') })).toEqual({ status: 409, code: 'MESSAGE_RECALLED' });

    // Gone from the database: the row, and the edit entry that carried the edited text.
    const rows = await messages.find({ where: { conversationId: groupId } });
    expect(rows.map((r) => r.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    const raw = JSON.stringify(rows);
    expect(raw).not.toContain('hunter2');
    expect(raw).not.toContain('old news');
    const tombstone = rows.find((r) => r.id === secret.message_id)!;
    expect(tombstone).toMatchObject({ content: { type: 'recalled' }, attachments: [], meta: {}, contentHash: '', recalledBy: bob.userId });

    // And from every later answer: history, sync, and the retry of the original send.
    const history = JSON.stringify(await carol.client.call('message/history', { conversation_id: groupId }));
    const sync = JSON.stringify(await owner.client.call('message/history', {}));
    expect(history).not.toContain('hunter2');
    expect(sync).not.toContain('hunter2');
    expect(JSON.parse(history).messages.map((m: WireMessage) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a device offline during an edit and a recall gets both after reconnecting, in seq order, once', async () => {
    const [alice, bob] = [await newUser(app), await newUser(app)];
    const first = await sendText(alice.client, bob.userId, 'one');
    const second = await sendText(alice.client, bob.userId, 'two (oops)');
    const conversationId = directId(alice.userId, bob.userId);
    // Bob has seen both, then goes offline.
    await bob.client.call('message/ack', { conversation_id: conversationId, seq: second.seq, state: 'delivered' });
    await bob.client.close();

    const edit = await alice.client.call('message/edit', { conversation_id: conversationId, seq: first.seq, content: text('one (edited)') });
    const recall = await alice.client.call('message/recall', { conversation_id: conversationId, seq: second.seq });

    const client = await app.connect({ timeoutMs: CLIENT_TIMEOUT_MS });
    await login(client, bob.username, bob.password, 'laptop');
    const batch = await client.waitFor((f) => f.command === 'message/offline');
    expect((batch.payload as any).messages).toEqual([edit.entry, recall.entry]);
    await client.call('message/ack', { conversation_id: conversationId, seq: recall.entry.seq, state: 'delivered' });
    // Only once: a second device's sync from the start returns each entry exactly once, in order.
    const sync = await client.call('message/history', {});
    const mine = sync.messages.filter((m: WireMessage) => m.conversation_id === conversationId);
    expect(mine.map((m: WireMessage) => [m.seq, m.kind ?? 'message'])).toEqual([
      [1, 'message'],
      [2, 'message'],
      [3, 'message.edited'],
      [4, 'message.recalled'],
    ]);
    expect(mine[0]).toMatchObject({ content: text('one (edited)'), edit_count: 1 });
    expect(mine[1]).toMatchObject({ content: { type: 'recalled' }, recalled_by: alice.userId });
  });

  it("a recalled message's file is no longer shared in the conversation; the uploader keeps it", async () => {
    const [alice, bob, carol] = [await newUser(app), await newUser(app), await newUser(app)];
    const file = await alice.client.upload(randomBytes(3000), { type: 'user', id: bob.userId }, { fileName: 'leak.txt' });
    const sent = await alice.client.call('message/send', { target: { type: 'user', id: carol.userId }, content: text('see attached'), attachments: [{ file_id: file.fileId, name: 'leak.txt' }] });
    const before = await carol.client.request('file/request', { direction: 'download', file_id: file.fileId });
    expect(before.payload.status).toBe(200);
    await carol.client.call('file/cancel', { transfer_id: before.payload.transfer_id });

    await alice.client.call('message/recall', { conversation_id: sent.conversation_id, seq: sent.seq });
    const after = await carol.client.request('file/request', { direction: 'download', file_id: file.fileId });
    expect(after.payload).toMatchObject({ status: 403, error_code: 'FORBIDDEN' });
    // Still shared where it was not recalled (the upload's own message to Bob), and still Alice's.
    expect((await bob.client.request('file/request', { direction: 'download', file_id: file.fileId })).payload.status).toBe(200);
    expect((await alice.client.request('file/request', { direction: 'download', file_id: file.fileId })).payload.status).toBe(200);
  });

  it('an edit that races a recall leaves no text behind: the entry it appended is erased and the edit answers 409', async () => {
    const [alice, bob] = [await newUser(app), await newUser(app)];
    const sent = await sendText(alice.client, bob.userId, 'first draft');
    const phone = await secondDevice(app, alice);
    const stream = app.app.get(ConversationStream);
    const append = stream.append.bind(stream);
    // The recall lands between the edit's checks and its append (deterministically, not by timing).
    const spy = jest.spyOn(stream, 'append').mockImplementationOnce(async (input) => {
      // From another device: commands of one connection run in order, this one waits for the edit.
      await phone.call('message/recall', { conversation_id: sent.conversation_id, seq: sent.seq });
      return append(input);
    });
    try {
      const edit = await alice.client.request('message/edit', { conversation_id: sent.conversation_id, seq: sent.seq, content: text('leaked: hunter3') });
      expect(edit.payload).toMatchObject({ status: 409, error_code: 'MESSAGE_RECALLED' });
    } finally {
      spy.mockRestore();
    }
    const rows = await messages.find({ where: { conversationId: sent.conversation_id as string } });
    expect(rows.map((r) => r.kind).sort()).toEqual(['message', 'message.edited', 'message.recalled']);
    expect(JSON.stringify(rows)).not.toContain('hunter3');
    expect(JSON.stringify(rows)).not.toContain('first draft');
  });

  it('a retry of a send whose message was recalled is still answered as the same message', async () => {
    const [alice, bob]: LoggedInUser[] = [await newUser(app), await newUser(app)];
    const sent = await sendText(alice.client, bob.userId, 'soon gone', { id: 'send-then-recall' });
    await alice.client.call('message/recall', { conversation_id: sent.conversation_id, seq: sent.seq });
    const retry = await sendText(alice.client, bob.userId, 'soon gone', { id: 'send-then-recall' });
    expect(retry).toMatchObject({ message_id: sent.message_id, seq: sent.seq, duplicate: true });
  });
});

/**
 * Threads (Slack's model) over real sockets and a real database: a reply is a message sent with
 * `meta.thread_root`; it is part of the conversation's stream (pushed, offline, synced) and carries
 * `thread_root_seq`; the root shows reply_count, last_reply_at and reply_participants in history
 * and message/thread; message/thread pages the replies; history can leave replies out.
 */
import type { WireMessage } from '../../../src/shared/protocol';
import { login } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { CLIENT_TIMEOUT_MS, createGroup, isMessageEvent, newUser, text } from './message-helpers';

jest.setTimeout(60_000);

describe('threads', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0' });
  });
  afterAll(() => app?.close());

  it('replies are stream messages with thread_root_seq; the root carries the summary; message/thread pages the replies', async () => {
    const [alice, bob, carol] = [await newUser(app), await newUser(app), await newUser(app)];
    const groupId = await createGroup(alice, [bob.userId, carol.userId]);
    const group = { type: 'group', id: groupId };
    const root = await alice.client.call('message/send', { target: group, content: text('release on Friday?') });
    const pushed = alice.client.waitFor((f) => isMessageEvent(groupId)(f) && (f.payload as any).message.thread_root_seq === root.seq);
    const r1 = await bob.client.call('message/send', { target: group, content: text('yes'), meta: { thread_root: root.message_id } });
    expect((await pushed).payload.message).toMatchObject({ seq: r1.seq, thread_root_seq: root.seq, meta: { thread_root: root.message_id } });
    const other = await carol.client.call('message/send', { target: group, content: text('unrelated') });
    const r2 = await carol.client.call('message/send', { target: group, content: text('after QA'), meta: { thread_root: root.message_id } });
    const r3 = await bob.client.call('message/send', { target: group, content: text('ok'), meta: { thread_root: root.message_id } });

    const page = await carol.client.call('message/history', { conversation_id: groupId });
    const top = page.messages.find((m: WireMessage) => m.seq === root.seq);
    expect(top).toMatchObject({ reply_count: 3, last_reply_at: r3.sent_at, reply_participants: [bob.userId, carol.userId] });
    expect(page.messages.map((m: WireMessage) => m.seq)).toEqual([root.seq, r1.seq, other.seq, r2.seq, r3.seq]);

    // Clients that ask so get the main timeline without the replies.
    const main = await carol.client.call('message/history', { conversation_id: groupId, exclude_thread_replies: true });
    expect(main.messages.map((m: WireMessage) => m.seq)).toEqual([root.seq, other.seq]);
    expect(main.messages[0].reply_count).toBe(3);

    const first = await carol.client.call('message/thread', { conversation_id: groupId, root_seq: root.seq, limit: 2 });
    expect(first.root).toMatchObject({ message_id: root.message_id, reply_count: 3 });
    expect(first.replies.map((m: WireMessage) => m.seq)).toEqual([r1.seq, r2.seq]);
    expect(first.has_more).toBe(true);
    const rest = await carol.client.call('message/thread', { conversation_id: groupId, root_seq: root.seq, since: first.next_cursor, limit: 2 });
    expect(rest.replies.map((m: WireMessage) => m.seq)).toEqual([r3.seq]);
    expect(rest.has_more).toBe(false);
    const none = await carol.client.call('message/thread', { conversation_id: groupId, root_seq: root.seq, since: rest.next_cursor });
    expect(none.replies).toEqual([]);
  });

  it('refuses: a reply as a root, a root of another conversation, a recalled root, strangers; a device offline gets the replies', async () => {
    const [alice, bob, stranger] = [await newUser(app), await newUser(app), await newUser(app)];
    const groupId = await createGroup(alice, [bob.userId]);
    const otherGroup = await createGroup(alice, [bob.userId], 'other');
    const group = { type: 'group', id: groupId };
    const root = await alice.client.call('message/send', { target: group, content: text('root') });
    const reply = await alice.client.call('message/send', { target: group, content: text('reply'), meta: { thread_root: root.message_id } });

    const nested = await bob.client.request('message/send', { target: group, content: text('nested'), meta: { thread_root: reply.message_id } });
    expect(nested.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    const elsewhere = await bob.client.request('message/send', { target: { type: 'group', id: otherGroup }, content: text('x'), meta: { thread_root: root.message_id } });
    expect(elsewhere.payload).toMatchObject({ status: 404, error_code: 'NOT_FOUND' });
    const bad = await bob.client.request('message/send', { target: group, content: text('x'), meta: { thread_root: 42 } });
    expect(bad.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    const unknown = await stranger.client.request('message/thread', { conversation_id: 'g-000000000000000000000000', root_seq: 1 });
    const strange = await stranger.client.request('message/thread', { conversation_id: groupId, root_seq: root.seq });
    expect(strange.payload).toMatchObject({ status: 403, error_code: 'NOT_A_MEMBER' });
    expect([strange.payload.status, strange.payload.error_code]).toEqual([unknown.payload.status, unknown.payload.error_code]);
    expect((await bob.client.request('message/thread', { conversation_id: groupId, root_seq: reply.seq })).payload).toMatchObject({ status: 404, error_code: 'NOT_FOUND' });

    // Bob is away while Alice replies; his offline batch has the replies, in order.
    await bob.client.call('message/ack', { conversation_id: groupId, seq: reply.seq, state: 'delivered' });
    await bob.client.close();
    const later = [
      await alice.client.call('message/send', { target: group, content: text('one more'), meta: { thread_root: root.message_id } }),
      await alice.client.call('message/send', { target: group, content: text('and another'), meta: { thread_root: root.message_id } }),
    ];
    const client = await app.connect({ timeoutMs: CLIENT_TIMEOUT_MS });
    await login(client, bob.username, bob.password, 'laptop');
    const batch = await client.waitFor((f) => f.command === 'message/offline');
    expect((batch.payload as any).messages.map((m: WireMessage) => [m.seq, m.thread_root_seq])).toEqual(later.map((m) => [m.seq, root.seq]));

    await alice.client.call('message/recall', { conversation_id: groupId, seq: root.seq });
    const recalled = await client.request('message/send', { target: group, content: text('x'), meta: { thread_root: root.message_id } });
    expect(recalled.payload).toMatchObject({ status: 409, error_code: 'MESSAGE_RECALLED' });
    // The replies keep their place; the tombstone still counts them.
    const thread = await client.call('message/thread', { conversation_id: groupId, root_seq: root.seq });
    expect(thread.root).toMatchObject({ content: { type: 'recalled' }, reply_count: 3 });
  });
});

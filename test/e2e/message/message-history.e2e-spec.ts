/**
 * message/history over real TCP: paging a conversation both ways without gaps or duplicates,
 * the sync cursor across conversations, cursor validation, and broadcast (stored in a system
 * conversation everyone can read).
 */
import { LoggedInUser, login } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { CLIENT_TIMEOUT_MS, createGroup, directId, historyBackwards, isMessageEvent, newUser, range, seqs, text } from './message-helpers';

// Every send waits for its commit: generous limits for loaded CI databases (see CLIENT_TIMEOUT_MS).
jest.setTimeout(120_000);

describe('message/history and broadcast', () => {
  let app: TestApp;
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  let conv: string;

  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0' });
    alice = await newUser(app);
    bob = await newUser(app);
    conv = directId(alice.userId, bob.userId);
    await Promise.all(range(1, 250).map((i) => alice.client.call('message/send', { target: { type: 'user', id: bob.userId }, content: text(`h${i}`) })));
  });
  afterAll(async () => {
    await app.close();
  });

  it('pages 250 messages backwards and forwards with no gaps or duplicates', async () => {
    const back = await historyBackwards(bob.client, conv, 40);
    expect(back).toHaveLength(7); // 40 x 6 + 10
    const first = back[0];
    expect(first).toMatchObject({ status: 200, conversation_id: conv, has_more: true });
    expect(seqs(first.messages)).toEqual(range(211, 250)); // newest page first, ascending within
    const backwards = back.flatMap((p) => p.messages).sort((a, b) => a.seq - b.seq);
    expect(seqs(backwards)).toEqual(range(1, 250));
    expect(back[back.length - 1].next_cursor).toBeNull();
    expect(back[0].messages[0]).toMatchObject({ sender_id: alice.userId, content: { type: 'text', text: 'h211' } });

    // Forwards: from the oldest page, its prev_cursor reads newer messages.
    const oldest = back[back.length - 1];
    expect(seqs(oldest.messages)).toEqual(range(1, 10));
    const forward = [...oldest.messages];
    let since: string = oldest.prev_cursor;
    for (;;) {
      const page = await bob.client.call('message/history', { conversation_id: conv, since, limit: 64 });
      forward.push(...page.messages);
      since = page.next_cursor;
      if (!page.has_more) break;
    }
    expect(seqs(forward)).toEqual(range(1, 250));

    // At the end the forward cursor is a position to poll from: empty now, the new one later.
    const empty = await bob.client.call('message/history', { conversation_id: conv, since });
    expect(empty).toMatchObject({ messages: [], has_more: false, next_cursor: since });
    const sent = await alice.client.call('message/send', { target: { type: 'user', id: bob.userId }, content: text('h251') });
    const fresh = await bob.client.call('message/history', { conversation_id: conv, since });
    expect(seqs(fresh.messages)).toEqual([sent.seq]);
  });

  it('rejects invalid cursors and limits with 400 naming the problem', async () => {
    const ask = (payload: Record<string, unknown>) => bob.client.request('message/history', payload).then((r) => r.payload);
    expect(await ask({ conversation_id: conv, before: 'not-a-cursor!' })).toMatchObject({ status: 400, error_code: 'INVALID_CURSOR' });
    expect(await ask({ conversation_id: conv, since: Buffer.from('{"v":1,"k":"c"}').toString('base64url') })).toMatchObject({ status: 400, error_code: 'INVALID_CURSOR' });
    const page = await bob.client.call('message/history', { conversation_id: conv, limit: 5 });
    const wrongDirection = await ask({ conversation_id: conv, since: page.next_cursor });
    expect(wrongDirection).toMatchObject({ status: 400, error_code: 'INVALID_CURSOR' });
    expect(wrongDirection.error_message).toContain('"before"');
    const other = await newUser(app);
    await other.client.call('message/send', { target: { type: 'user', id: bob.userId }, content: text('x') });
    const foreign = await ask({ conversation_id: directId(other.userId, bob.userId), before: page.next_cursor });
    expect(foreign).toMatchObject({ status: 400, error_code: 'INVALID_CURSOR' });
    expect(foreign.error_message).toContain(conv);
    const tooMany = await ask({ conversation_id: conv, limit: 101 });
    expect(tooMany).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(tooMany.error_message).toContain('limit');
    expect(await ask({ conversation_id: conv, before: page.next_cursor, since: page.prev_cursor })).toMatchObject({ status: 400 });
    expect(await ask({ before: page.next_cursor })).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    // A conversation cursor is not a sync cursor.
    expect(await ask({ since: page.prev_cursor })).toMatchObject({ status: 400, error_code: 'INVALID_CURSOR' });
  });

  it('answers an empty page for a direct conversation nobody has written to yet, 403 for an unknown conversation', async () => {
    const carol = await newUser(app);
    const empty = await carol.client.call('message/history', { conversation_id: directId(carol.userId, alice.userId) });
    expect(empty).toMatchObject({ messages: [], has_more: false, next_cursor: null });
    const unknown = await carol.client.request('message/history', { conversation_id: 'g-nosuchgroup' });
    expect(unknown.payload).toMatchObject({ status: 403, error_code: 'NOT_A_MEMBER' });
  });

  it('syncs every conversation of the user from a sync cursor, then only what is new', async () => {
    const [dave, erin] = [await newUser(app), await newUser(app)];
    const group = await createGroup(dave, [erin.userId]);
    for (const i of range(1, 3)) await dave.client.call('message/send', { target: { type: 'group', id: group }, content: text(`g${i}`) });
    await Promise.all(range(1, 120).map((i) => dave.client.call('message/send', { target: { type: 'user', id: erin.userId }, content: text(`d${i}`) })));
    await erin.client.call('message/send', { target: { type: 'user', id: dave.userId }, content: text('own') });

    // Full sync from nothing, in pages of 50.
    const all: any[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await erin.client.call('message/history', { limit: 50, ...(cursor ? { since: cursor } : {}) });
      pages++;
      all.push(...page.messages);
      cursor = page.next_cursor;
      if (!page.has_more) break;
    }
    expect(pages).toBe(3);
    const direct = all.filter((m) => m.conversation_id === directId(dave.userId, erin.userId));
    expect(seqs(direct)).toEqual(range(1, 121)); // her own message is part of her history
    expect(all.filter((m) => m.conversation_id === group).map((m) => m.content.text)).toEqual(['g1', 'g2', 'g3']);
    expect(new Set(all.map((m) => m.message_id)).size).toBe(all.length);

    // Nothing new: an empty page; then exactly the new messages.
    const idle = await erin.client.call('message/history', { since: cursor });
    expect(idle).toMatchObject({ messages: [], has_more: false });
    await dave.client.call('message/send', { target: { type: 'group', id: group }, content: text('g4') });
    await dave.client.call('message/send', { target: { type: 'user', id: erin.userId }, content: text('d121') });
    const delta = await erin.client.call('message/history', { since: idle.next_cursor });
    expect(delta.messages.map((m: any) => m.content.text).sort()).toEqual(['d121', 'g4']);

    // The sync cursor never shows another user's conversations.
    expect(all.every((m) => m.conversation_id === group || m.conversation_id === directId(dave.userId, erin.userId) || m.conversation_id === 'broadcast')).toBe(true);
    const mallory = await newUser(app);
    const stolen = await mallory.client.call('message/history', { since: cursor });
    expect(stolen.messages.filter((m: any) => m.conversation_id !== 'broadcast')).toEqual([]);
  });

  it('broadcast: admins only, pushed live to every online user, readable by everyone through history and sync', async () => {
    const admin = await newUser(app, { role: 'admin' });
    const listener = await newUser(app);
    const offline = await newUser(app);
    await offline.client.close();

    const denied = await listener.client.request('message/send', { target: { type: 'broadcast' }, content: text('I am not admin') });
    expect(denied.payload).toMatchObject({ status: 403, error_code: 'FORBIDDEN' });

    const sent = await admin.client.call('message/send', { target: { type: 'broadcast' }, content: text('maintenance at 22:00'), meta: { priority: 'high' } });
    expect(sent).toMatchObject({ status: 200, conversation_id: 'broadcast' });
    for (const client of [listener.client, alice.client, bob.client]) {
      const event = await client.waitFor(isMessageEvent('broadcast'));
      expect(event.payload.message).toMatchObject({ message_id: sent.message_id, sender_id: admin.userId, content: { text: 'maintenance at 22:00' }, meta: { priority: 'high' } });
    }

    // The offline user finds it through the sync cursor and the broadcast history.
    const back = await app.connect({ timeoutMs: CLIENT_TIMEOUT_MS });
    await login(back, offline.username, offline.password);
    const sync = await back.call('message/history', {});
    expect(sync.messages.map((m: any) => m.message_id)).toContain(sent.message_id);
    const history = await back.call('message/history', { conversation_id: 'broadcast' });
    expect(history.messages.map((m: any) => m.message_id)).toEqual([sent.message_id]);
    const ack = await back.request('message/ack', { conversation_id: 'broadcast', seq: 1, state: 'read' });
    expect(ack.payload.status).toBe(400);
  });
});

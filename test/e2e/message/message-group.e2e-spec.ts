/**
 * Group messaging over real TCP: concurrent senders get a gap-free per-group sequence and every
 * member sees the same order; membership is enforced; receipts to the sender are coalesced.
 */
import { LoggedInUser } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { createGroup, isMessageEvent, liveMessages, newUser, range, secondDevice, seqs, text } from './message-helpers';

const NO_RATE_LIMITS = { RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0' };

// Every send waits for its commit: generous limits for loaded CI databases (see CLIENT_TIMEOUT_MS).
jest.setTimeout(120_000);

describe('group messages', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ ...NO_RATE_LIMITS, MESSAGE_RECEIPT_WINDOW_MS: '300' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('10 connections x 100 concurrent sends: seqs exactly 1..1000, every member receives all 1000 in seq order', async () => {
    const users: LoggedInUser[] = [];
    // Long request timeouts: on a loaded CI database 1000 sends into ONE conversation serialize
    // on its row lock (each holds it through its commit's fsync).
    for (let i = 0; i < 10; i++) users.push(await newUser(app));
    const started = Date.now();
    const group = await createGroup(users[0], users.slice(1).map((u) => u.userId));

    // Everything is in flight at once: 100 pipelined sends on each of the 10 connections.
    const sends = users.flatMap((u, c) =>
      range(1, 100).map((i) => u.client.call('message/send', { conversation_id: group, target: { type: 'group', id: group }, content: text(`c${c}-${i}`) })),
    );
    const responses = await Promise.all(sends);
    process.stdout.write(`1000 concurrent group sends stored in ${Date.now() - started} ms\n`);
    expect(responses.map((r) => r.seq).sort((a, b) => a - b)).toEqual(range(1, 1000));
    // Per connection, pipelined sends kept their order.
    for (let c = 0; c < 10; c++) {
      const mine = responses.slice(c * 100, c * 100 + 100).map((r) => r.seq);
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
    }

    for (const [c, user] of users.entries()) {
      // A member's own 100 come back as responses (not pushes) on the sending connection.
      const received = (await user.client.waitForCount(isMessageEvent(group), 900, 60_000)).map((f) => f.payload.message);
      expect(received).toHaveLength(900);
      const received_seqs = seqs(received);
      expect(received_seqs).toEqual([...received_seqs].sort((a, b) => a - b));
      expect(received.every((m) => m.sender_id !== user.userId)).toBe(true);
      const own = new Set(responses.slice(c * 100, c * 100 + 100).map((r) => r.seq));
      expect(new Set([...received_seqs, ...own]).size).toBe(1000);
    }
  }, 240_000);

  it('an observer device of a member receives all messages of the group in seq order', async () => {
    const [owner, member] = [await newUser(app), await newUser(app)];
    const group = await createGroup(owner, [member.userId]);
    const watcher = await secondDevice(app, member, 'watch');
    const sends = [owner, member].flatMap((u) => range(1, 50).map((i) => u.client.call('message/send', { target: { type: 'group', id: group }, content: text(`${i}`) })));
    await Promise.all(sends);
    const received = (await watcher.waitForCount(isMessageEvent(group), 100)).map((f) => f.payload.message);
    expect(seqs(received)).toEqual(range(1, 100));
  });

  it('should not let a non-member send into, read or ack a group; members added later see history from their join', async () => {
    const [owner, member, outsider] = [await newUser(app), await newUser(app), await newUser(app)];
    const group = await createGroup(owner, [member.userId]);
    await owner.client.call('message/send', { target: { type: 'group', id: group }, content: text('before join') });

    const send = await outsider.client.request('message/send', { target: { type: 'group', id: group }, content: text('let me in') });
    expect(send.payload).toMatchObject({ status: 403, error_code: 'NOT_A_MEMBER' });
    const history = await outsider.client.request('message/history', { conversation_id: group });
    expect(history.payload).toMatchObject({ status: 403, error_code: 'NOT_A_MEMBER' });
    const ack = await outsider.client.request('message/ack', { conversation_id: group, seq: 1, state: 'read' });
    expect(ack.payload).toMatchObject({ status: 403, error_code: 'NOT_A_MEMBER' });
    const missing = await outsider.client.request('message/send', { target: { type: 'group', id: 'g-doesnotexist' }, content: text('x') });
    // A group that does not exist answers like one I am not in: group ids cannot be probed.
    expect(missing.payload).toMatchObject({ status: 403, error_code: 'NOT_A_MEMBER' });
    const wrongConversation = await member.client.request('message/send', { conversation_id: 'g-other', target: { type: 'group', id: group }, content: text('x') });
    expect(wrongConversation.payload.status).toBe(400);
    expect(liveMessages(outsider.client)).toEqual([]);

    // Once added, the outsider sees what follows, not what came before (history_visibility "joined").
    await owner.client.call('group/add', { conversation_id: group, members: [outsider.userId] });
    await owner.client.call('message/send', { target: { type: 'group', id: group }, content: text('after join') });
    const page = await outsider.client.call('message/history', { conversation_id: group });
    expect(page.messages.map((m: any) => m.content.text)).toEqual(['after join']);
    const memberPage = await member.client.call('message/history', { conversation_id: group });
    expect(memberPage.messages.map((m: any) => m.content.text)).toEqual(['before join', 'after join']);

    // Removed again: no more sending or reading.
    await owner.client.call('group/remove', { conversation_id: group, members: [outsider.userId] });
    const afterRemoval = await outsider.client.request('message/send', { target: { type: 'group', id: group }, content: text('still here?') });
    expect(afterRemoval.payload).toMatchObject({ status: 403, error_code: 'NOT_A_MEMBER' });
  });

  it('a group with history_visibility "all" shows new members everything', async () => {
    const [owner, late] = [await newUser(app), await newUser(app)];
    const created = await owner.client.call('group/create', { name: 'open', members: [], history_visibility: 'all' });
    const group = created.conversation_id as string;
    await owner.client.call('message/send', { target: { type: 'group', id: group }, content: text('old news') });
    await owner.client.call('group/add', { conversation_id: group, members: [late.userId] });
    const page = await late.client.call('message/history', { conversation_id: group });
    expect(page.messages.map((m: any) => m.content.text)).toEqual(['old news']);
  });

  it('coalesces the receipts of many members into few events for the sender', async () => {
    const owner = await newUser(app);
    const members: LoggedInUser[] = [];
    for (let i = 0; i < 8; i++) members.push(await newUser(app));
    const group = await createGroup(owner, members.map((m) => m.userId));
    const sent = await owner.client.call('message/send', { target: { type: 'group', id: group }, content: text('please read') });

    await Promise.all(members.map((m) => m.client.call('message/ack', { conversation_id: group, seq: sent.seq, state: 'read' })));
    const receipts = await owner.client.waitForCount((f) => f.command === 'message/ack', 1);
    // A later receipt proves the earlier windows have flushed (windows follow each other).
    const marker = await owner.client.call('message/send', { target: { type: 'group', id: group }, content: text('marker') });
    await members[0].client.call('message/ack', { conversation_id: group, seq: marker.seq, state: 'delivered' });
    await owner.client.waitFor((f) => f.command === 'message/ack' && f.payload.seq === marker.seq);
    const all = owner.client.events.filter((f) => f.command === 'message/ack' && f.payload.seq === sent.seq);
    // 8 members acked; the acks may straddle two windows, never 8 events.
    expect(all.length).toBeLessThanOrEqual(2);
    const readers = new Set(all.flatMap((f) => (f.payload.receipts as any[]).map((r) => r.by)));
    expect(readers).toEqual(new Set(members.map((m) => m.userId)));
    expect(receipts[0].payload).toMatchObject({ conversation_id: group, message_id: sent.message_id, seq: sent.seq, state: 'read' });
    for (const r of all.flatMap((f) => f.payload.receipts as any[])) expect(r).toMatchObject({ seq: sent.seq, message_id: sent.message_id, state: 'read' });
  });
});

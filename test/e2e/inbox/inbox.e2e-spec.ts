/**
 * The inbox module over real sockets and a real database (SQLite; PostgreSQL when
 * TEST_DATABASE_URL is set): conversation/list ordering, paging and counts; conversation/read on
 * all devices, never backwards; mentions and @all; mute; strangers get the answer of an unknown
 * conversation.
 */
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import type { Envelope } from '../../../src/shared/protocol';
import { startTestApp, TestApp } from '../../support/test-app';
import {
  createGroup,
  directId,
  newUser,
  secondDevice,
  sendText,
  text,
} from '../message/message-helpers';

jest.setTimeout(60_000);

async function refusal(
  client: SwitchboardClient,
  command: string,
  payload: Record<string, unknown>,
) {
  const res = await client.request(command, payload);
  return { status: res.payload.status, code: res.payload.error_code };
}

async function inbox(client: SwitchboardClient, payload: Record<string, unknown> = {}) {
  return client.call('conversation/list', payload);
}

/**
 * The list's order: latest activity first, ties by id descending. Sends a millisecond apart may
 * share an activity time, so the specs check the order through this rule, not a guessed one.
 */
function expectInboxOrder(conversations: any[]): void {
  for (let i = 1; i < conversations.length; i++) {
    const [a, b] = [conversations[i - 1], conversations[i]];
    expect(
      a.last_activity_at > b.last_activity_at ||
        (a.last_activity_at === b.last_activity_at && a.conversation_id > b.conversation_id),
    ).toBe(true);
  }
}

const entry = (page: any, conversationId: string) =>
  page.conversations.find((c: any) => c.conversation_id === conversationId);

describe('inbox: conversation/list, conversation/read, mentions, mute', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0' });
  });
  afterAll(() => app?.close());

  it('lists direct and group conversations by latest activity, with peer, title, last message and unread counts', async () => {
    const [alice, bob, carol] = [await newUser(app), await newUser(app), await newUser(app)];
    await sendText(bob.client, alice.userId, 'hi alice');
    const groupId = await createGroup(alice, [bob.userId, carol.userId], 'launch');
    await carol.client.call('message/send', {
      target: { type: 'group', id: groupId },
      content: text('first'),
    });
    await carol.client.call('message/send', {
      target: { type: 'group', id: groupId },
      content: text('second  line\nwith   spaces'),
    });
    const dmCarol = await sendText(alice.client, carol.userId, 'mine');

    const page = await inbox(alice.client);
    expect(page).toMatchObject({ status: 200, has_more: false, next_cursor: null });
    expect(page.conversations.map((c: any) => c.conversation_id).sort()).toEqual(
      [dmCarol.conversation_id, groupId, directId(alice.userId, bob.userId)].sort(),
    );
    expectInboxOrder(page.conversations);
    const [mine, group, fromBob] = [
      dmCarol.conversation_id,
      groupId,
      directId(alice.userId, bob.userId),
    ].map((id) => entry(page, id));
    // Sent one after the other: activity never goes down along the sends.
    expect(mine.last_activity_at).toBeGreaterThanOrEqual(group.last_activity_at);
    expect(group.last_activity_at).toBeGreaterThanOrEqual(fromBob.last_activity_at);
    expect(mine).toMatchObject({
      kind: 'direct',
      title: null,
      peer_id: carol.userId,
      unread_count: 0,
      mention_count: 0,
      preview: 'mine',
      muted: false,
      muted_until: null,
      pinned_count: 0,
    });
    expect(group).toMatchObject({
      kind: 'group',
      title: 'launch',
      last_seq: 2,
      read_seq: 0,
      unread_count: 2,
      preview: 'second line with spaces',
    });
    expect(group.peer_id).toBeUndefined();
    expect(group.last_message).toMatchObject({
      seq: 2,
      sender_id: carol.userId,
      content: { type: 'text', text: 'second  line\nwith   spaces' },
    });
    expect(fromBob).toMatchObject({
      kind: 'direct',
      peer_id: bob.userId,
      unread_count: 1,
      preview: 'hi alice',
    });

    // Activity reorders: a new message to the oldest conversation makes it the most recent.
    await sendText(bob.client, alice.userId, 'again');
    const again = await inbox(alice.client);
    expectInboxOrder(again.conversations);
    const bumped = entry(again, directId(alice.userId, bob.userId));
    expect(bumped).toMatchObject({ unread_count: 2, preview: 'again' });
    expect(bumped.last_activity_at).toBe(
      Math.max(...again.conversations.map((c: any) => c.last_activity_at)),
    );
    expect(bumped.last_activity_at).toBeGreaterThanOrEqual(mine.last_activity_at);

    // Pins are counted (pin module), for every member.
    await alice.client.call('pin/add', { conversation_id: groupId, seq: 1 });
    await alice.client.call('pin/add', { conversation_id: groupId, seq: 2 });
    expect(entry(await inbox(carol.client), groupId)).toMatchObject({ pinned_count: 2 });

    // Bob's own messages never count as unread for him.
    expect(entry(await inbox(bob.client), directId(alice.userId, bob.userId)).unread_count).toBe(0);
  });

  it('pages with an opaque cursor, no conversation twice or missing, and refuses a forged cursor', async () => {
    const me = await newUser(app);
    const others = [];
    for (let i = 0; i < 7; i++) others.push(await newUser(app));
    for (const other of others) await sendText(other.client, me.userId, `hello ${other.userId}`);
    const all = (await inbox(me.client, { limit: 100 })).conversations;
    expectInboxOrder(all);
    expect(all.map((c: any) => c.conversation_id).sort()).toEqual(
      others.map((o) => directId(me.userId, o.userId)).sort(),
    );
    const expected = all.map((c: any) => c.conversation_id);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await inbox(me.client, { limit: 3, ...(cursor ? { cursor } : {}) });
      pages++;
      seen.push(...page.conversations.map((c: any) => c.conversation_id));
      if (!page.has_more) {
        expect(page.next_cursor).toBeNull();
        break;
      }
      cursor = page.next_cursor;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(expected);

    expect(await refusal(me.client, 'conversation/list', { cursor: 'bm90IGEgY3Vyc29y' })).toEqual({
      status: 400,
      code: 'INVALID_CURSOR',
    });
    expect(await refusal(me.client, 'conversation/list', { limit: 0 })).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    expect(await refusal(me.client, 'conversation/list', { limit: 101 })).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
  });

  it('conversation/read moves my position on every device, tells my other connections, never goes backwards', async () => {
    const [alice, bob] = [await newUser(app), await newUser(app)];
    const phone = await secondDevice(app, alice);
    for (let i = 1; i <= 4; i++) await sendText(bob.client, alice.userId, `m${i}`);
    const conversationId = directId(alice.userId, bob.userId);
    expect(entry(await inbox(phone), conversationId).unread_count).toBe(4);

    const told = phone.waitFor((f: Envelope) => f.command === 'conversation/read');
    const receipt = bob.client.waitFor(
      (f: Envelope) => f.command === 'message/ack' && (f.payload as any).state === 'read',
    );
    expect(
      await alice.client.call('conversation/read', { conversation_id: conversationId, seq: 3 }),
    ).toEqual({ status: 200, conversation_id: conversationId, read_seq: 3 });
    expect((await told).payload).toEqual({ conversation_id: conversationId, read_seq: 3 });
    expect((await receipt).payload).toMatchObject({
      conversation_id: conversationId,
      seq: 3,
      state: 'read',
      by: alice.userId,
    });
    expect(entry(await inbox(phone), conversationId)).toMatchObject({
      read_seq: 3,
      unread_count: 1,
    });

    // Backwards: nothing moves, no event. The phone's next event is the one of a real move.
    expect(
      await alice.client.call('conversation/read', { conversation_id: conversationId, seq: 1 }),
    ).toMatchObject({ read_seq: 3 });
    const next = phone.waitFor((f: Envelope) => f.command === 'conversation/read', {
      includePast: false,
    });
    await alice.client.call('conversation/read', { conversation_id: conversationId, seq: 4 });
    expect((await next).payload).toEqual({ conversation_id: conversationId, read_seq: 4 });
    expect(
      phone.events
        .filter((f) => f.command === 'conversation/read')
        .map((f) => (f.payload as any).read_seq),
    ).toEqual([3, 4]);
    // The device that read gets the answer, not an event.
    expect(alice.client.events.some((f) => f.command === 'conversation/read')).toBe(false);
    expect(entry(await inbox(alice.client), conversationId)).toMatchObject({
      read_seq: 4,
      unread_count: 0,
    });

    expect(
      await refusal(alice.client, 'conversation/read', { conversation_id: conversationId, seq: 5 }),
    ).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(
      await refusal(alice.client, 'conversation/read', {
        conversation_id: conversationId,
        seq: -1,
      }),
    ).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    await phone.close();
  });

  it('strangers get the answer of an unknown conversation for read and mute', async () => {
    const [alice, bob, eve] = [await newUser(app), await newUser(app), await newUser(app)];
    const groupId = await createGroup(alice, [bob.userId]);
    const sent = await sendText(alice.client, bob.userId, 'private');
    for (const [command, extra] of [
      ['conversation/read', { seq: 1 }],
      ['conversation/mute', { muted: true }],
    ] as const) {
      const unknown = await refusal(eve.client, command, {
        conversation_id: 'g-000000000000000000000000',
        ...extra,
      });
      expect(unknown).toEqual({ status: 403, code: 'NOT_A_MEMBER' });
      expect(await refusal(eve.client, command, { conversation_id: groupId, ...extra })).toEqual(
        unknown,
      );
      expect(
        await refusal(eve.client, command, { conversation_id: sent.conversation_id, ...extra }),
      ).toEqual(unknown);
    }
    expect((await inbox(eve.client)).conversations).toEqual([]);
  });

  it('@all cannot be added by an edit either: message/edit runs the same checks as a send', async () => {
    const [owner, carol] = [await newUser(app), await newUser(app)];
    const groupId = await createGroup(owner, [carol.userId]);
    const plain = await carol.client.call('message/send', {
      target: { type: 'group', id: groupId },
      content: text('edit me later'),
    });
    expect(
      await refusal(carol.client, 'message/edit', {
        conversation_id: groupId,
        seq: plain.seq,
        content: { ...text('everyone!'), mentions: ['@all'] },
      }),
    ).toEqual({ status: 403, code: 'FORBIDDEN' });
    const mine = await owner.client.call('message/send', {
      target: { type: 'group', id: groupId },
      content: text('owner note'),
    });
    await owner.client.call('message/edit', {
      conversation_id: groupId,
      seq: mine.seq,
      content: { ...text('everyone!'), mentions: ['@all'] },
    });
    expect(entry(await inbox(carol.client), groupId)).toMatchObject({ mention_count: 1 });
  });

  it('mentions: counted for the named member and for @all while unread, returned in history; @all only for owner and admins', async () => {
    const [owner, bob, carol] = [await newUser(app), await newUser(app), await newUser(app)];
    const groupId = await createGroup(owner, [bob.userId, carol.userId]);
    const to = { type: 'group', id: groupId };
    await carol.client.call('message/send', {
      target: to,
      content: { ...text('@bob look'), mentions: [bob.userId] },
    });
    await carol.client.call('message/send', {
      target: to,
      content: { ...text('no mention, but names the word "mentions"') },
    });
    await carol.client.call('message/send', {
      target: to,
      content: { ...text('stranger'), mentions: ['u-nobody-here'] },
    });

    expect(
      await refusal(carol.client, 'message/send', {
        target: to,
        content: { ...text('everyone!'), mentions: ['@all'] },
      }),
    ).toEqual({ status: 403, code: 'FORBIDDEN' });
    expect(
      await refusal(carol.client, 'message/send', {
        target: to,
        content: { ...text('bad'), mentions: 'bob' },
      }),
    ).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(
      await refusal(carol.client, 'message/send', {
        target: to,
        content: { ...text('bad'), mentions: [bob.userId, bob.userId] },
      }),
    ).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    await owner.client.call('message/send', {
      target: to,
      content: { ...text('all hands'), mentions: ['@all'] },
    });

    expect(entry(await inbox(bob.client), groupId)).toMatchObject({
      unread_count: 4,
      mention_count: 2,
    });
    expect(entry(await inbox(carol.client), groupId)).toMatchObject({
      unread_count: 1,
      mention_count: 1,
    });
    // The sender of @all is not mentioned by it.
    expect(entry(await inbox(owner.client), groupId)).toMatchObject({
      unread_count: 3,
      mention_count: 0,
    });

    const history = await bob.client.call('message/history', { conversation_id: groupId });
    expect(history.messages.map((m: any) => m.content.mentions ?? null)).toEqual([
      [bob.userId],
      null,
      ['u-nobody-here'],
      ['@all'],
    ]);

    // Reading up to the first mention leaves the @all one.
    await bob.client.call('conversation/read', { conversation_id: groupId, seq: 2 });
    expect(entry(await inbox(bob.client), groupId)).toMatchObject({
      unread_count: 2,
      mention_count: 1,
    });

    // A recalled mention stops counting, and the inbox shows the tombstone.
    await owner.client.call('message/recall', { conversation_id: groupId, seq: 4 });
    const after = entry(await inbox(bob.client), groupId);
    expect(after).toMatchObject({ unread_count: 1, mention_count: 0, preview: null });
    expect(after.last_message).toMatchObject({
      seq: 4,
      recalled_by: owner.userId,
      content: { type: 'recalled' },
    });

    // In a direct conversation a mention of the peer counts.
    await sendText(owner.client, bob.userId, 'warm up');
    await owner.client.call('message/send', {
      target: { type: 'user', id: bob.userId },
      content: { ...text('hey'), mentions: [bob.userId] },
    });
    expect(entry(await inbox(bob.client), directId(owner.userId, bob.userId))).toMatchObject({
      unread_count: 2,
      mention_count: 1,
    });
  });

  it('mute until a time or forever: still counts unread, marked, tells my other devices; unmute', async () => {
    const [alice, bob] = [await newUser(app), await newUser(app)];
    const phone = await secondDevice(app, alice);
    await sendText(bob.client, alice.userId, 'noise');
    const conversationId = directId(alice.userId, bob.userId);

    const told = phone.waitFor((f: Envelope) => f.command === 'conversation/mute');
    expect(
      await alice.client.call('conversation/mute', {
        conversation_id: conversationId,
        muted: true,
      }),
    ).toEqual({ status: 200, conversation_id: conversationId, muted: true, muted_until: null });
    expect((await told).payload).toEqual({
      conversation_id: conversationId,
      muted: true,
      muted_until: null,
    });
    await sendText(bob.client, alice.userId, 'more noise');
    expect(entry(await inbox(phone), conversationId)).toMatchObject({
      muted: true,
      muted_until: null,
      unread_count: 2,
    });

    const until = Date.now() + 3_600_000;
    expect(
      await alice.client.call('conversation/mute', {
        conversation_id: conversationId,
        muted: true,
        until,
      }),
    ).toMatchObject({ muted: true, muted_until: until });
    expect(entry(await inbox(alice.client), conversationId)).toMatchObject({
      muted: true,
      muted_until: until,
    });

    expect(
      await refusal(alice.client, 'conversation/mute', {
        conversation_id: conversationId,
        muted: true,
        until: Date.now() - 1000,
      }),
    ).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(
      await refusal(alice.client, 'conversation/mute', {
        conversation_id: conversationId,
        muted: false,
        until,
      }),
    ).toEqual({ status: 400, code: 'VALIDATION_FAILED' });

    await alice.client.call('conversation/mute', { conversation_id: conversationId, muted: false });
    expect(entry(await inbox(alice.client), conversationId)).toMatchObject({
      muted: false,
      muted_until: null,
      unread_count: 2,
    });
    // Bob's side is his own.
    expect(entry(await inbox(bob.client), conversationId)).toMatchObject({ muted: false });
    await phone.close();
  });
});

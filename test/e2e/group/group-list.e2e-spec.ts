/**
 * group/list over real TCP: my groups and direct conversations with their last message and
 * unread count, most recently active first, keyset-paginated; never another user's.
 */
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { LoggedInUser, registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';

interface Summary {
  conversation_id: string;
  kind: 'group' | 'direct';
  name: string | null;
  peer_id?: string;
  owner_id?: string;
  role: string;
  member_count: number;
  last_seq: number;
  last_message: null | { message_id: string; seq: number; sender_id: string; sent_at: number; content: { type: string; text?: string } };
  unread_count: number;
  last_activity_at: number;
  last_activity_at_ms: number;
}

/**
 * Activity is kept in milliseconds; two steps of a test could land in the same millisecond and
 * tie (then the id decides). Waiting for the clock to move keeps expected orders exact.
 */
async function nextMillisecond(): Promise<void> {
  const start = Date.now();
  while (Date.now() <= start) await new Promise((resolve) => setImmediate(resolve));
}

async function list(client: SwitchboardClient, payload: Record<string, unknown> = {}): Promise<{ conversations: Summary[]; has_more: boolean; next_cursor: string | null }> {
  return (await client.call('group/list', payload)) as any;
}

function byId(conversations: Summary[], id: string): Summary {
  const found = conversations.find((c) => c.conversation_id === id);
  if (!found) throw new Error(`conversation ${id} is not in the list: ${conversations.map((c) => c.conversation_id).join(', ')}`);
  return found;
}

async function sendToGroup(user: LoggedInUser, groupId: string, text: string): Promise<{ seq: number; message_id: string }> {
  await nextMillisecond();
  return (await user.client.call('message/send', {
    conversation_id: groupId,
    target: { type: 'group', id: groupId },
    content: { type: 'text', text },
  })) as any;
}

async function sendDirect(user: LoggedInUser, to: LoggedInUser, text: string): Promise<{ seq: number; message_id: string; conversation_id: string }> {
  await nextMillisecond();
  return (await user.client.call('message/send', { target: { type: 'user', id: to.userId }, content: { type: 'text', text } })) as any;
}

async function createGroup(owner: LoggedInUser, name: string, members: LoggedInUser[], extra: Record<string, unknown> = {}): Promise<string> {
  await nextMillisecond();
  return (await owner.client.call('group/create', { name, members: members.map((m) => m.userId), ...extra })).conversation_id as string;
}

function expectSorted(conversations: Summary[]): void {
  for (let i = 1; i < conversations.length; i++) {
    const [a, b] = [conversations[i - 1], conversations[i]];
    const ordered = a.last_activity_at_ms > b.last_activity_at_ms || (a.last_activity_at_ms === b.last_activity_at_ms && a.conversation_id > b.conversation_id);
    expect({ i, ordered }).toEqual({ i, ordered: true });
  }
}

describe('group/list over real TCP', () => {
  let app: TestApp;
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  let carol: LoggedInUser;
  let eve: LoggedInUser;

  beforeAll(async () => {
    app = await startTestApp();
    [alice, bob, carol, eve] = await Promise.all([0, 1, 2, 3].map(() => registerAndLogin(app)));
  });
  afterAll(async () => {
    await app?.close();
  });

  it('lists groups and direct conversations with the last message and unread count, most recent first', async () => {
    const g1 = await createGroup(alice, 'g1', [bob]);
    const g2 = await createGroup(alice, 'g2', [bob, carol]);
    const direct = await sendDirect(bob, alice, 'hi alice');
    await sendToGroup(alice, g1, 'one');
    await sendToGroup(alice, g1, 'two');
    const last = await sendToGroup(bob, g1, 'three');

    const mine = await list(alice.client);
    expect(mine.conversations.map((c) => c.conversation_id)).toEqual([g1, direct.conversation_id, g2]);
    expect(mine).toMatchObject({ has_more: false, next_cursor: null });
    expect(byId(mine.conversations, g1)).toMatchObject({
      kind: 'group',
      name: 'g1',
      owner_id: alice.userId,
      role: 'owner',
      member_count: 2,
      last_seq: 3,
      // Alice's own two messages are not unread to her.
      unread_count: 1,
      last_message: { message_id: last.message_id, seq: 3, sender_id: bob.userId, content: { type: 'text', text: 'three' } },
    });
    expect(byId(mine.conversations, direct.conversation_id)).toMatchObject({
      kind: 'direct',
      name: null,
      peer_id: bob.userId,
      role: 'member',
      member_count: 2,
      last_seq: 1,
      unread_count: 1,
      last_message: { seq: 1, sender_id: bob.userId, content: { text: 'hi alice' } },
    });
    expect(byId(mine.conversations, g2)).toMatchObject({ kind: 'group', member_count: 3, last_seq: 0, last_message: null, unread_count: 0 });
    expectSorted(mine.conversations);

    const bobs = await list(bob.client);
    expect(bobs.conversations.map((c) => c.conversation_id)).toEqual([g1, direct.conversation_id, g2]);
    expect(byId(bobs.conversations, g1)).toMatchObject({ role: 'member', unread_count: 2 });
    expect(byId(bobs.conversations, direct.conversation_id)).toMatchObject({ peer_id: alice.userId, unread_count: 0 });

    // New activity moves a conversation to the top.
    await sendToGroup(carol, g2, 'wake up');
    expect((await list(alice.client)).conversations.map((c) => c.conversation_id)).toEqual([g2, g1, direct.conversation_id]);
  });

  it("counts only messages: module entries (reactions) are neither the last message nor unread", async () => {
    const g = await createGroup(alice, 'entries', [bob]);
    const sent = await sendToGroup(alice, g, 'react to me');
    await nextMillisecond();
    await alice.client.call('reaction/add', { conversation_id: g, seq: sent.seq, emoji: '👍' });
    const entry = byId((await list(bob.client)).conversations, g);
    // The reaction took seq 2 (last_seq counts the stream), but the list shows the message.
    expect(entry).toMatchObject({ last_seq: 2, unread_count: 1, last_message: { message_id: sent.message_id, content: { text: 'react to me' } } });
  });

  it('a read receipt clears the unread count', async () => {
    const g = await createGroup(alice, 'reads', [bob]);
    await sendToGroup(alice, g, 'a');
    const second = await sendToGroup(alice, g, 'b');
    expect(byId((await list(bob.client)).conversations, g).unread_count).toBe(2);
    await bob.client.call('message/ack', { conversation_id: g, seq: 1, state: 'read' });
    expect(byId((await list(bob.client)).conversations, g).unread_count).toBe(1);
    await bob.client.call('message/ack', { conversation_id: g, seq: second.seq, state: 'read' });
    expect(byId((await list(bob.client)).conversations, g).unread_count).toBe(0);
  });

  it('a member added later sees no earlier message or unread count unless the group shows all history', async () => {
    const hidden = await createGroup(alice, 'joined-only', [bob]);
    const open = await createGroup(alice, 'open', [bob], { history_visibility: 'all' });
    for (const g of [hidden, open]) {
      await sendToGroup(bob, g, 'before carol');
      await alice.client.call('group/add', { conversation_id: g, members: [carol.userId] });
    }
    const before = await list(carol.client);
    expect(byId(before.conversations, hidden)).toMatchObject({ last_seq: 1, last_message: null, unread_count: 0 });
    expect(byId(before.conversations, open)).toMatchObject({ last_seq: 1, last_message: { seq: 1, content: { text: 'before carol' } }, unread_count: 0 });

    await sendToGroup(bob, hidden, 'after carol');
    expect(byId((await list(carol.client)).conversations, hidden)).toMatchObject({
      last_seq: 2,
      unread_count: 1,
      last_message: { seq: 2, content: { text: 'after carol' } },
    });
  });

  it('paginates with limit and next_cursor, without gaps or duplicates', async () => {
    const owner = await registerAndLogin(app);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await createGroup(owner, `page-${i}`, []));
    const seen: string[] = [];
    const pages: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await list(owner.client, cursor === undefined ? { limit: 2 } : { limit: 2, cursor });
      pages.push(page.conversations.length);
      seen.push(...page.conversations.map((c) => c.conversation_id));
      expect(page.has_more).toBe(page.next_cursor !== null);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(pages).toEqual([2, 2, 1]);
    expect(seen).toEqual([...ids].reverse());
  });

  it('answers 400 for a forged cursor or an out-of-range limit', async () => {
    const forged = await alice.client.request('group/list', { cursor: Buffer.from('{"v":1,"k":"gl","a":"x","i":1}').toString('base64url') });
    expect(forged.payload).toMatchObject({ status: 400, error_code: 'INVALID_CURSOR' });
    const garbage = await alice.client.request('group/list', { cursor: 'not a cursor!' });
    expect(garbage.payload).toMatchObject({ status: 400, error_code: 'INVALID_CURSOR' });
    for (const limit of [0, 101, 'many']) {
      const res = await alice.client.request('group/list', { limit });
      expect(res.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
      expect(res.payload.fields.map((f: { field: string }) => f.field)).toEqual(['limit']);
    }
  });

  it('should not list another user\'s groups or direct conversations', async () => {
    const g = await createGroup(alice, 'private', [bob]);
    const direct = await sendDirect(alice, bob, 'just us');
    const eves = await list(eve.client);
    expect(eves.conversations.map((c) => c.conversation_id)).not.toContain(g);
    expect(eves.conversations.map((c) => c.conversation_id)).not.toContain(direct.conversation_id);

    // Someone removed from a group no longer sees it.
    await alice.client.call('group/remove', { conversation_id: g, members: [bob.userId] });
    expect((await list(bob.client)).conversations.map((c) => c.conversation_id)).not.toContain(g);
  });

  it('does not list the broadcast conversation (it has no members)', async () => {
    const admin = await registerAndLogin(app, { role: 'admin' });
    await admin.client.call('message/send', { conversation_id: 'broadcast', target: { type: 'broadcast' }, content: { type: 'text', text: 'maintenance at 5' } });
    expect((await list(admin.client)).conversations.map((c) => c.conversation_id)).not.toContain('broadcast');
    expect((await list(eve.client)).conversations.map((c) => c.conversation_id)).not.toContain('broadcast');
  });
});

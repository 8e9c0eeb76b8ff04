/**
 * presence/update, presence/event, aggregation, invisibility, the audience rule and
 * presence/list over real TCP. "Receives nothing" is asserted with a sentinel: a later real
 * change that the same client does receive, with nothing about the other user before it.
 */
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { loginAs, RegisteredUser, registerUser } from '../../support/users';
import { isPresenceOf, presenceEvent, presenceEventsAbout, shareDirect, shareGroup } from '../../support/presence-helpers';
import { startTestApp, TestApp } from '../../support/test-app';

const FANOUT_MAX = 4;

describe('presence events and list (real TCP)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ PRESENCE_DEBOUNCE_MS: '50', PRESENCE_GROUP_FANOUT_MAX: String(FANOUT_MAX) });
  });
  afterAll(async () => {
    await app.close();
  });

  /** Registers `n` users; `pairs` of indexes share a direct conversation. */
  async function users(n: number, pairs: [number, number][] = []): Promise<RegisteredUser[]> {
    const list: RegisteredUser[] = [];
    for (let i = 0; i < n; i++) list.push(await registerUser(app));
    for (const [a, b] of pairs) await shareDirect(app, list[a].userId, list[b].userId);
    return list;
  }

  it('pushes an update to a peer: status, text, devices, last_seen', async () => {
    const [alice, bob] = await users(2, [[0, 1]]);
    const bobClient = await loginAs(app, bob, 'windows');
    const aliceClient = await loginAs(app, alice, 'ios');
    await presenceEvent(bobClient, alice.userId, { status: 'online' });

    const before = Math.floor(Date.now() / 1000);
    const response = await aliceClient.call('presence/update', { status: 'away', text: 'lunch' });
    expect(response.presence).toMatchObject({ user_id: alice.userId, status: 'away', text: 'lunch', devices: ['ios'] });

    const event = await presenceEvent(bobClient, alice.userId, { status: 'away' });
    expect(event.type).toBe('event');
    expect(event.payload).toEqual({ user_id: alice.userId, status: 'away', text: 'lunch', last_seen: expect.any(Number), devices: ['ios'] });
    expect(event.payload.last_seen).toBeGreaterThanOrEqual(before - 1);

    // Text omitted keeps it, null clears it.
    await aliceClient.call('presence/update', { status: 'busy' });
    await presenceEvent(bobClient, alice.userId, { status: 'busy', text: 'lunch' });
    await aliceClient.call('presence/update', { status: 'busy', text: null });
    await presenceEvent(bobClient, alice.userId, { status: 'busy', text: null });
  });

  it('refuses invalid updates with 400 VALIDATION_FAILED naming the field', async () => {
    const [alice] = await users(1);
    const client = await loginAs(app, alice, 'windows');
    for (const [payload, field] of [
      [{ status: 'offline' }, 'status'],
      [{ status: 'sleeping' }, 'status'],
      [{}, 'status'],
      [{ status: 'away', text: 'x'.repeat(141) }, 'text'],
      [{ status: 'away', text: 42 }, 'text'],
    ] as const) {
      const response = await client.request('presence/update', payload);
      expect(response.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
      expect(response.payload.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    expect((await client.request('presence/update', { status: 'away', text: 'x'.repeat(140) })).payload.status).toBe(200);
    const anonymous = await app.connect();
    expect((await anonymous.request('presence/update', { status: 'away' })).payload.status).toBe(401);
  });

  it('shows an invisible user as offline while they keep receiving everything', async () => {
    const [ghost, bob] = await users(2, [[0, 1]]);
    const bobClient = await loginAs(app, bob, 'windows');
    const ghostClient = await loginAs(app, ghost, 'ios');
    await presenceEvent(bobClient, ghost.userId, { status: 'online' });

    const self = await ghostClient.call('presence/update', { status: 'invisible', text: 'hidden' });
    expect(self.presence).toMatchObject({ status: 'invisible', text: 'hidden', devices: ['ios'] });
    const offline = await presenceEvent(bobClient, ghost.userId, { status: 'offline' });
    expect(offline.payload).toMatchObject({ text: null, devices: [] });

    // Others see offline; the user sees themselves as invisible.
    const seenByBob = await bobClient.call('presence/list', { user_ids: [ghost.userId] });
    expect(seenByBob.users).toEqual([{ user_id: ghost.userId, status: 'offline', text: null, last_seen: expect.any(Number), devices: [] }]);
    const seenBySelf = await ghostClient.call('presence/list', { user_ids: [ghost.userId] });
    expect(seenBySelf.users[0]).toMatchObject({ status: 'invisible', text: 'hidden' });
    expect((await bobClient.call('presence/list', {})).users.map((u: { user_id: string }) => u.user_id)).not.toContain(ghost.userId);

    // Invisible users still receive presence (and every other push).
    await bobClient.call('presence/update', { status: 'busy' });
    await presenceEvent(ghostClient, bob.userId, { status: 'busy' });
  });

  it('aggregates devices: phone away + desktop online is online; desktop leaves, away remains', async () => {
    const [carol, bob] = await users(2, [[0, 1]]);
    const bobClient = await loginAs(app, bob, 'windows');
    const phone = await loginAs(app, carol, 'ios');
    await presenceEvent(bobClient, carol.userId, { status: 'online', devices: ['ios'] });
    await phone.call('presence/update', { status: 'away', text: 'mobile' });
    await presenceEvent(bobClient, carol.userId, { status: 'away', devices: ['ios'] });

    const desktop = await loginAs(app, carol, 'macos');
    await presenceEvent(bobClient, carol.userId, { status: 'online', devices: ['ios', 'macos'], text: null });

    await desktop.close();
    const [, after] = await bobClient.waitForCount(isPresenceOf(carol.userId, { status: 'away', devices: ['ios'] }), 2);
    expect(after.payload.text).toBe('mobile');
    const sequence = presenceEventsAbout(bobClient, carol.userId).map((p) => `${p.status}:${p.devices.join('+')}`);
    expect(sequence).toEqual(['online:ios', 'away:ios', 'online:ios+macos', 'away:ios']);
  });

  it('never tells a stranger and never lists them', async () => {
    const [alice, bob, stranger, strangersFriend] = await users(4, [[0, 1], [2, 3]]);
    const bobClient = await loginAs(app, bob, 'windows');
    const strangerClient = await loginAs(app, stranger, 'windows');
    const friendClient = await loginAs(app, strangersFriend, 'windows');
    const aliceClient = await loginAs(app, alice, 'windows');
    await presenceEvent(bobClient, alice.userId, { status: 'online' });
    await aliceClient.call('presence/update', { status: 'busy', text: 'secret meeting' });
    await presenceEvent(bobClient, alice.userId, { status: 'busy' });

    // Sentinel: the stranger's own contact changes afterwards, and that event arrives...
    await friendClient.call('presence/update', { status: 'away' });
    await presenceEvent(strangerClient, strangersFriend.userId, { status: 'away' });
    // ...with nothing about alice before it.
    expect(strangerClient.events.filter(isPresenceOf(alice.userId))).toEqual([]);

    const listed = await strangerClient.call('presence/list', { user_ids: [alice.userId, strangersFriend.userId, 'u-does-not-exist'] });
    expect(listed.users).toEqual([
      { user_id: alice.userId, status: 'offline', text: null, last_seen: null, devices: [] },
      expect.objectContaining({ user_id: strangersFriend.userId, status: 'away' }),
      { user_id: 'u-does-not-exist', status: 'offline', text: null, last_seen: null, devices: [] },
    ]);
    const online = await strangerClient.call('presence/list', {});
    expect(online.users.map((u: { user_id: string }) => u.user_id)).toEqual([strangersFriend.userId]);
    expect(online).toMatchObject({ has_more: false, next_cursor: null });

    const refused = await strangerClient.request('presence/subscribe', { user_ids: [alice.userId] });
    expect(refused.payload).toMatchObject({ status: 403, error_code: 'FORBIDDEN' });
  });

  it('pages the online contacts with has_more and an opaque cursor', async () => {
    const all = await users(7);
    const [me, ...contacts] = all;
    for (const c of contacts) await shareDirect(app, me.userId, c.userId);
    const meClient = await loginAs(app, me, 'windows');
    const onlineContacts = contacts.slice(0, 5);
    const clients: SwitchboardClient[] = [];
    for (const c of onlineContacts) clients.push(await loginAs(app, c, 'windows'));
    // contacts[5] stays offline; one contact is invisible (stored once the update is answered).
    await clients[4].call('presence/update', { status: 'invisible' });
    const expected = onlineContacts.slice(0, 4).map((c) => c.userId).sort();
    for (const id of expected) await presenceEvent(meClient, id, { status: 'online' });

    const seen: string[] = [];
    const pages: boolean[] = [];
    let cursor: string | undefined;
    do {
      const page = await meClient.call('presence/list', cursor ? { limit: 3, cursor } : { limit: 3 });
      expect(page.users.length).toBeLessThanOrEqual(3);
      for (const u of page.users) expect(u).toMatchObject({ status: 'online', devices: ['windows'] });
      seen.push(...page.users.map((u: { user_id: string }) => u.user_id));
      pages.push(page.has_more);
      cursor = page.next_cursor ?? undefined;
      expect(cursor === undefined).toBe(!page.has_more);
    } while (cursor);
    expect(seen).toEqual(expected);
    expect(pages).toEqual([true, false]);

    const bad = await meClient.request('presence/list', { cursor: 'not-a-cursor' });
    expect(bad.payload).toMatchObject({ status: 400, error_code: 'INVALID_CURSOR' });
    const badLimit = await meClient.request('presence/list', { limit: 0 });
    expect(badLimit.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    const explicit = await meClient.call('presence/list', { user_ids: [contacts[5].userId, contacts[0].userId] });
    expect(explicit.users.map((u: { status: string }) => u.status)).toEqual(['offline', 'online']);
  });

  it(`does not fan out through a group larger than ${FANOUT_MAX} members, but subscribers still hear`, async () => {
    const members = await users(FANOUT_MAX + 1);
    const [speaker, listener, follower, ...rest] = members;
    await shareGroup(app, members.map((m) => m.userId));
    const small = await users(1);
    await shareGroup(app, [speaker.userId, small[0].userId]);

    const listenerClient = await loginAs(app, listener, 'windows');
    const followerClient = await loginAs(app, follower, 'windows');
    const smallClient = await loginAs(app, small[0], 'windows');
    for (const r of rest) await loginAs(app, r, 'windows');
    const subscribed = await followerClient.call('presence/subscribe', { user_ids: [speaker.userId] });
    expect(subscribed.users).toEqual([expect.objectContaining({ user_id: speaker.userId, status: 'offline' })]);

    const speakerClient = await loginAs(app, speaker, 'windows');
    await speakerClient.call('presence/update', { status: 'busy' });
    await presenceEvent(smallClient, speaker.userId, { status: 'busy' });
    await presenceEvent(followerClient, speaker.userId, { status: 'busy' });

    // Sentinel for the large-group member: a direct contact's later change arrives first.
    const direct = await users(1);
    await shareDirect(app, listener.userId, direct[0].userId);
    const directClient = await loginAs(app, direct[0], 'windows');
    await directClient.call('presence/update', { status: 'away' });
    await presenceEvent(listenerClient, direct[0].userId, { status: 'away' });
    expect(presenceEventsAbout(listenerClient, speaker.userId)).toEqual([]);
    // Listing with explicit ids still works through the large group.
    const listed = await listenerClient.call('presence/list', { user_ids: [speaker.userId] });
    expect(listed.users[0]).toMatchObject({ status: 'busy' });
  });

  it('follows the real conversations: a direct message (message/send) and a group (group/create)', async () => {
    const [alice, bob, carol] = await users(3);
    const aliceClient = await loginAs(app, alice, 'windows');
    const bobClient = await loginAs(app, bob, 'windows');
    const carolClient = await loginAs(app, carol, 'windows');
    await aliceClient.call('message/send', { target: { type: 'user', id: bob.userId }, content: { type: 'text', text: 'hi' } });
    await bobClient.call('presence/update', { status: 'away' });
    await presenceEvent(aliceClient, bob.userId, { status: 'away' });

    const group = await carolClient.call('group/create', { name: 'presence-test', members: [alice.userId] });
    expect(group.status).toBe(200);
    await carolClient.call('presence/update', { status: 'busy' });
    await presenceEvent(aliceClient, carol.userId, { status: 'busy' });
    // Bob shares nothing with carol: the next thing he hears about is alice, not carol.
    await aliceClient.call('presence/update', { status: 'away' });
    await presenceEvent(bobClient, alice.userId, { status: 'away' });
    expect(presenceEventsAbout(bobClient, carol.userId)).toEqual([]);
  });
});

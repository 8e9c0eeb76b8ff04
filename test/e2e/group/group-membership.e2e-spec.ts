/**
 * Group membership over real TCP: create/add/remove/leave/members, the role rules, the
 * membership notifications, and the "should not ... of another user" cases.
 */
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import type { Envelope } from '../../../src/shared/protocol';
import { LoggedInUser, registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';

type Notification = Envelope<Record<string, any>>;

/** The next notification/event of `type` about group `id` (past events included). */
function notification(client: SwitchboardClient, type: string, id: string, extra: (p: Record<string, any>) => boolean = () => true): Promise<Notification> {
  return client.waitFor((f) => f.command === 'notification/event' && f.payload?.type === type && f.payload?.conversation_id === id && extra(f.payload), {
    timeoutMs: 5000,
  });
}

function notificationsAbout(client: SwitchboardClient, id: string): Record<string, any>[] {
  return client.events.filter((f) => f.command === 'notification/event' && f.payload?.conversation_id === id).map((f) => f.payload);
}

async function createGroup(owner: LoggedInUser, members: LoggedInUser[], extra: Record<string, unknown> = {}): Promise<string> {
  const created = await owner.client.call('group/create', { name: 'team', members: members.map((m) => m.userId), ...extra });
  return created.conversation_id as string;
}

async function memberIds(user: LoggedInUser, id: string): Promise<string[]> {
  const res = await user.client.call('group/members', { conversation_id: id });
  return (res.members as { user_id: string }[]).map((m) => m.user_id).sort();
}

describe('group membership over real TCP', () => {
  let app: TestApp;
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  let carol: LoggedInUser;
  let dave: LoggedInUser;
  let eve: LoggedInUser;

  beforeAll(async () => {
    app = await startTestApp();
    [alice, bob, carol, dave, eve] = await Promise.all(['alice', 'bob', 'carol', 'dave', 'eve'].map(() => registerAndLogin(app)));
  });
  afterAll(async () => {
    await app?.close();
  });

  it('group/create makes the creator owner, joins everyone at seq 0 and notifies every member', async () => {
    const res = await alice.client.request('group/create', { name: '  Project X  ', members: [bob.userId, carol.userId, bob.userId, alice.userId] });
    expect(res.payload.status).toBe(200);
    const p = res.payload;
    expect(p.conversation_id).toMatch(/^g-[0-9a-f]{24}$/);
    expect(p).toMatchObject({ name: 'Project X', owner_id: alice.userId, history_visibility: 'joined', last_seq: 0 });
    expect(p.members).toEqual([
      { user_id: alice.userId, role: 'owner', joined_at: expect.any(Number) },
      ...[bob.userId, carol.userId].sort().map((id) => ({ user_id: id, role: 'member', joined_at: expect.any(Number) })),
    ].sort((a, b) => (a.role === b.role ? (a.user_id < b.user_id ? -1 : 1) : a.role === 'owner' ? -1 : 1)));
    expect(Math.abs(p.created_at - Date.now() / 1000)).toBeLessThan(60);

    for (const user of [alice, bob, carol]) {
      const event = await notification(user.client, 'group.created', p.conversation_id);
      expect(event.type).toBe('event');
      expect(event.payload).toMatchObject({ status: 200, by: alice.userId, name: 'Project X' });
      expect([...event.payload.members].sort()).toEqual([alice.userId, bob.userId, carol.userId].sort());
      expect(event.payload.notification_id).toMatch(/^n-/);
    }
    expect(notificationsAbout(dave.client, p.conversation_id)).toEqual([]);
  });

  it('group/create with unknown member ids answers 404 USER_NOT_FOUND naming them', async () => {
    const res = await alice.client.request('group/create', { name: 'ghosts', members: [bob.userId, 'u-doesnotexist'] });
    expect(res.payload).toMatchObject({ status: 404, error_code: 'USER_NOT_FOUND', missing: ['u-doesnotexist'] });
    expect(res.payload.error_message).toContain('u-doesnotexist');
  });

  it('rejects bad payloads with 400 VALIDATION_FAILED naming the field', async () => {
    const blank = await alice.client.request('group/create', { name: '   ', members: [] });
    expect(blank.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(blank.payload.fields.map((f: { field: string }) => f.field)).toContain('name');

    const notArray = await alice.client.request('group/create', { name: 'x', members: bob.userId });
    expect(notArray.payload.fields.map((f: { field: string }) => f.field)).toContain('members');

    const badVisibility = await alice.client.request('group/create', { name: 'x', members: [], history_visibility: 'some' });
    expect(badVisibility.payload.fields.map((f: { field: string }) => f.field)).toContain('history_visibility');

    const direct = await alice.client.request('group/members', { conversation_id: `d-${alice.userId}-${bob.userId}` });
    expect(direct.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(direct.payload.error_message).toContain('conversation_id');

    const emptyRemove = await alice.client.request('group/remove', { conversation_id: 'g-abc', members: [] });
    expect(emptyRemove.payload.fields.map((f: { field: string }) => f.field)).toContain('members');
  });

  it('requires a token', async () => {
    const anonymous = await app.connect();
    const res = await anonymous.request('group/list', {});
    expect(res.payload).toMatchObject({ status: 401, error_code: 'TOKEN_MISSING' });
  });

  it('the owner adds and removes members; added, removed and remaining members are notified', async () => {
    const id = await createGroup(alice, [bob]);

    const added = await alice.client.call('group/add', { conversation_id: id, members: [carol.userId, dave.userId, bob.userId] });
    expect(added).toMatchObject({ status: 200, conversation_id: id, already_members: [bob.userId] });
    expect([...added.members].sort()).toEqual([carol.userId, dave.userId].sort());
    expect(await memberIds(bob, id)).toEqual([alice.userId, bob.userId, carol.userId, dave.userId].sort());
    for (const user of [alice, bob, carol, dave]) {
      const event = await notification(user.client, 'group.member_added', id);
      expect(event.payload).toMatchObject({ by: alice.userId, role: 'member' });
      expect([...event.payload.members].sort()).toEqual([carol.userId, dave.userId].sort());
    }

    const removed = await alice.client.call('group/remove', { conversation_id: id, members: [dave.userId, eve.userId] });
    expect(removed).toMatchObject({ status: 200, members: [dave.userId], not_members: [eve.userId] });
    expect(await memberIds(alice, id)).toEqual([alice.userId, bob.userId, carol.userId].sort());
    for (const user of [alice, bob, carol, dave]) {
      const event = await notification(user.client, 'group.member_removed', id);
      expect(event.payload).toMatchObject({ by: alice.userId, members: [dave.userId] });
    }
    expect(notificationsAbout(eve.client, id)).toEqual([]);

    // The removed member has lost access.
    const after = await dave.client.request('group/members', { conversation_id: id });
    expect(after.payload).toMatchObject({ status: 403, error_code: 'NOT_A_MEMBER' });
  });

  it('adding only existing members changes nothing and sends no notification', async () => {
    const id = await createGroup(alice, [bob]);
    const noop = await alice.client.call('group/add', { conversation_id: id, members: [bob.userId] });
    expect(noop).toMatchObject({ members: [], already_members: [bob.userId] });
    // The next membership notification bob sees is the real change, not the no-op.
    await alice.client.call('group/add', { conversation_id: id, members: [carol.userId] });
    await notification(bob.client, 'group.member_added', id);
    const added = notificationsAbout(bob.client, id).filter((n) => n.type === 'group.member_added');
    expect(added.map((n) => n.members)).toEqual([[carol.userId]]);
  });

  it('should not let a plain member add or remove members of another user\'s group (403 FORBIDDEN)', async () => {
    const id = await createGroup(alice, [bob, carol]);
    const add = await bob.client.request('group/add', { conversation_id: id, members: [dave.userId] });
    expect(add.payload).toMatchObject({ status: 403, error_code: 'FORBIDDEN' });
    const remove = await bob.client.request('group/remove', { conversation_id: id, members: [carol.userId] });
    expect(remove.payload).toMatchObject({ status: 403, error_code: 'FORBIDDEN' });
    expect(await memberIds(alice, id)).toEqual([alice.userId, bob.userId, carol.userId].sort());
  });

  it('should not let a non-member read, join or change another user\'s group (403 NOT_A_MEMBER, same as an unknown group)', async () => {
    const id = await createGroup(alice, [bob]);
    const probes: [string, Record<string, unknown>][] = [
      ['group/members', { conversation_id: id }],
      ['group/add', { conversation_id: id, members: [eve.userId] }],
      ['group/add', { conversation_id: id, members: ['u-doesnotexist'] }],
      ['group/remove', { conversation_id: id, members: [bob.userId] }],
      ['group/leave', { conversation_id: id }],
    ];
    for (const [command, payload] of probes) {
      const res = await eve.client.request(command, payload);
      expect({ command, ...res.payload }).toMatchObject({ command, status: 403, error_code: 'NOT_A_MEMBER' });
      // An unknown group answers exactly the same, so ids cannot be probed.
      const unknown = await eve.client.request(command, { ...payload, conversation_id: 'g-000000000000000000000000' });
      expect({ command, ...unknown.payload }).toMatchObject({ command, status: 403, error_code: 'NOT_A_MEMBER' });
    }
    expect(await memberIds(alice, id)).toEqual([alice.userId, bob.userId].sort());
    const list = await eve.client.call('group/list', {});
    expect(list.conversations.map((c: { conversation_id: string }) => c.conversation_id)).not.toContain(id);
  });

  it('admins add members and remove plain members, but not admins, the owner, or add admins', async () => {
    const id = await createGroup(alice, [carol]);
    const promote = await bob.client.request('group/add', { conversation_id: id, members: [bob.userId], role: 'admin' });
    expect(promote.payload).toMatchObject({ status: 403, error_code: 'NOT_A_MEMBER' });
    await alice.client.call('group/add', { conversation_id: id, members: [bob.userId, dave.userId], role: 'admin' });
    const members = await bob.client.call('group/members', { conversation_id: id });
    expect(members.members.map((m: { user_id: string; role: string }) => [m.user_id, m.role])).toEqual([
      [alice.userId, 'owner'],
      ...[bob.userId, dave.userId].sort().map((u) => [u, 'admin']),
      [carol.userId, 'member'],
    ]);

    expect((await bob.client.request('group/add', { conversation_id: id, members: [eve.userId], role: 'admin' })).payload).toMatchObject({
      status: 403,
      error_code: 'FORBIDDEN',
    });
    expect((await bob.client.request('group/remove', { conversation_id: id, members: [dave.userId] })).payload).toMatchObject({
      status: 403,
      error_code: 'FORBIDDEN',
    });
    const owner = await bob.client.request('group/remove', { conversation_id: id, members: [alice.userId] });
    expect(owner.payload).toMatchObject({ status: 409, error_code: 'CONFLICT' });
    expect(owner.payload.error_message).toContain('group/leave');

    await bob.client.call('group/add', { conversation_id: id, members: [eve.userId] });
    await bob.client.call('group/remove', { conversation_id: id, members: [carol.userId] });
    expect(await memberIds(alice, id)).toEqual([alice.userId, bob.userId, dave.userId, eve.userId].sort());
    const event = await notification(carol.client, 'group.member_removed', id);
    expect(event.payload).toMatchObject({ by: bob.userId, members: [carol.userId] });
  });

  it('nobody removes themself with group/remove (400 pointing to group/leave)', async () => {
    const id = await createGroup(alice, [bob]);
    const self = await alice.client.request('group/remove', { conversation_id: id, members: [alice.userId] });
    expect(self.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(self.payload.error_message).toContain('group/leave');
    expect(await memberIds(bob, id)).toEqual([alice.userId, bob.userId].sort());
  });

  it('group/leave: remaining members are notified; an owner leaving hands ownership to the oldest admin', async () => {
    const id = await createGroup(alice, [bob, carol]);
    await alice.client.call('group/add', { conversation_id: id, members: [dave.userId], role: 'admin' });

    const left = await carol.client.call('group/leave', { conversation_id: id });
    expect(left).toMatchObject({ status: 200, conversation_id: id, new_owner_id: null });
    for (const user of [alice, bob, dave, carol]) {
      const event = await notification(user.client, 'group.member_left', id);
      expect(event.payload).toMatchObject({ by: carol.userId, members: [carol.userId], new_owner_id: null });
    }
    expect((await carol.client.request('group/members', { conversation_id: id })).payload.status).toBe(403);

    const ownerLeft = await alice.client.call('group/leave', { conversation_id: id });
    expect(ownerLeft.new_owner_id).toBe(dave.userId);
    const event = await notification(bob.client, 'group.member_left', id, (p) => p.by === alice.userId);
    expect(event.payload.new_owner_id).toBe(dave.userId);
    const members = await bob.client.call('group/members', { conversation_id: id });
    expect(members.owner_id).toBe(dave.userId);
    expect(members.members.map((m: { user_id: string; role: string }) => [m.user_id, m.role])).toEqual([
      [dave.userId, 'owner'],
      [bob.userId, 'member'],
    ]);
    // The new owner has the owner's powers.
    await dave.client.call('group/remove', { conversation_id: id, members: [bob.userId] });
    expect(await memberIds(dave, id)).toEqual([dave.userId]);

    // Leaving twice: no longer a member.
    const again = await alice.client.request('group/leave', { conversation_id: id });
    expect(again.payload).toMatchObject({ status: 403, error_code: 'NOT_A_MEMBER' });
  });

  it('concurrent adds from several connections all apply exactly once', async () => {
    const users = await Promise.all(Array.from({ length: 12 }, () => registerAndLogin(app)));
    const id = await createGroup(alice, []);
    await alice.client.call('group/add', { conversation_id: id, members: [bob.userId], role: 'admin' });
    const adders = [alice, bob];
    const results = await Promise.all(
      users.map((u, i) => adders[i % 2].client.call('group/add', { conversation_id: id, members: [u.userId, users[(i + 1) % users.length].userId] })),
    );
    const addedOnce = results.flatMap((r) => r.members as string[]);
    expect(addedOnce.sort()).toEqual(users.map((u) => u.userId).sort());
    expect(await memberIds(alice, id)).toEqual([alice.userId, bob.userId, ...users.map((u) => u.userId)].sort());
  });

  it('membership changes pipelined on one connection apply in order', async () => {
    const id = await createGroup(alice, [bob]);
    const pending = [
      alice.client.request('group/add', { conversation_id: id, members: [carol.userId] }),
      alice.client.request('group/remove', { conversation_id: id, members: [carol.userId] }),
      alice.client.request('group/add', { conversation_id: id, members: [dave.userId] }),
    ];
    const [add, remove, add2] = await Promise.all(pending);
    expect(add.payload.members).toEqual([carol.userId]);
    expect(remove.payload.members).toEqual([carol.userId]);
    expect(add2.payload.members).toEqual([dave.userId]);
    expect(await memberIds(alice, id)).toEqual([alice.userId, bob.userId, dave.userId].sort());
  });
});

describe('group size limit', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ GROUP_MAX_MEMBERS: '3' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('refuses to grow a group past GROUP_MAX_MEMBERS (409) and to create one too big (400)', async () => {
    const [owner, a, b, c] = await Promise.all([0, 1, 2, 3].map(() => registerAndLogin(app)));
    const tooBig = await owner.client.request('group/create', { name: 'big', members: [a.userId, b.userId, c.userId] });
    expect(tooBig.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });

    const id = (await owner.client.call('group/create', { name: 'small', members: [a.userId] })).conversation_id;
    const full = await owner.client.request('group/add', { conversation_id: id, members: [b.userId, c.userId] });
    expect(full.payload).toMatchObject({ status: 409, error_code: 'CONFLICT' });
    expect(full.payload.error_message).toContain('limit of 3');
    await owner.client.call('group/add', { conversation_id: id, members: [b.userId] });
    const members = await owner.client.call('group/members', { conversation_id: id });
    expect(members.members).toHaveLength(3);
  });
});

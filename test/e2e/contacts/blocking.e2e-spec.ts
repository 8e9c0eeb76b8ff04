/**
 * Blocks and DIRECT_MESSAGE_POLICY over real TCP: a blocked user cannot message, request or see
 * the presence of the blocker, to whom the blocker is absent (404 USER_NOT_FOUND, as for an id
 * nobody has: block-absence.e2e-spec.ts compares the answers); the contacts-only policy refuses
 * strangers with the generic 403 REFUSED.
 */
import { isPresenceOf, presenceEvent } from '../../support/presence-helpers';
import { startTestApp, TestApp } from '../../support/test-app';
import { befriend, notification, refusal, uniquePrefix, user } from './contact-helpers';

const dm = (to: string, text: string) => ({ target: { type: 'user', id: to }, content: { type: 'text', text } });

describe('blocking (real TCP)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ PRESENCE_DEBOUNCE_MS: '20' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('blocks messages both ways and requests, looking like a plain remove to the blocked user', async () => {
    const p = uniquePrefix('blk');
    const alice = await user(app, `${p}_alice`);
    const bob = await user(app, `${p}_bob`);
    await befriend(alice, bob);
    await alice.client.call('message/send', dm(bob.userId, 'before'));

    const blocked = await bob.client.call('contact/block', { user_id: alice.userId });
    expect(blocked.user).toMatchObject({ user_id: alice.userId, contact: 'blocked' });
    // Alice is told what a remove would tell her, nothing more.
    expect((await notification(alice.client, 'contact.removed', bob.userId)).type).toBe('contact.removed');

    const msg = await refusal(alice.client, 'message/send', dm(bob.userId, 'after'));
    expect(msg).toMatchObject({ status: 404, error_code: 'USER_NOT_FOUND' });
    expect(msg.error_message).not.toMatch(/block/i);
    const req = await refusal(alice.client, 'contact/request', { user_id: bob.userId });
    expect(req).toMatchObject({ status: 404, error_code: 'USER_NOT_FOUND' });
    expect(req.error_message).not.toMatch(/block/i);
    // The blocker cannot write to the blocked user either (no one-way conversation).
    expect(await refusal(bob.client, 'message/send', dm(alice.userId, 'hey'))).toMatchObject({ status: 403, error_code: 'REFUSED' });
    // ... and is told plainly why their own request is refused.
    expect(await refusal(bob.client, 'contact/request', { user_id: alice.userId })).toMatchObject({ status: 409, error_code: 'CONFLICT' });

    expect((await bob.client.call('contact/list', { state: 'blocked' })).contacts).toEqual([expect.objectContaining({ user_id: alice.userId, contact: 'blocked' })]);
    expect((await bob.client.call('contact/list', {})).contacts).toEqual([]);

    // Unblocking restores what the policy allows (anyone).
    expect((await bob.client.call('contact/unblock', { user_id: alice.userId })).user.contact).toBe('none');
    expect((await alice.client.call('message/send', dm(bob.userId, 'again'))).status).toBe(200);
  });

  it('a pending request of the blocked user stays pending on their side, and returns on unblock', async () => {
    const p = uniquePrefix('pend');
    const carol = await user(app, `${p}_carol`);
    const dave = await user(app, `${p}_dave`);
    await carol.client.call('contact/request', { user_id: dave.userId, note: 'pls' });
    await dave.client.call('contact/block', { username: `${p}_carol` });

    expect((await carol.client.call('contact/list', {})).contacts).toEqual([expect.objectContaining({ user_id: dave.userId, contact: 'outgoing' })]);
    // Repeating it looks exactly as before the block.
    expect((await carol.client.call('contact/request', { user_id: dave.userId })).user.contact).toBe('outgoing');
    // Dave no longer has the request nor its notification.
    expect((await dave.client.call('contact/list', {})).contacts).toEqual([]);
    expect((await dave.client.call('notification/list', {})).notifications).toEqual([]);

    expect((await dave.client.call('contact/unblock', { user_id: carol.userId })).user.contact).toBe('incoming');
    await dave.client.call('contact/accept', { user_id: carol.userId });
    await notification(carol.client, 'contact.accepted', dave.userId);
  });

  it('hides the blocker’s presence from the blocked user (events, list, subscribe)', async () => {
    const p = uniquePrefix('pres');
    const erin = await user(app, `${p}_erin`);
    const frank = await user(app, `${p}_frank`);
    const gina = await user(app, `${p}_gina`);
    await befriend(erin, frank);
    await befriend(erin, gina);
    // Contacts see each other's presence.
    await frank.client.call('presence/update', { status: 'away' });
    await presenceEvent(erin.client, frank.userId, { status: 'away' });

    // A shared conversation does not override a block either.
    await frank.client.call('message/send', dm(erin.userId, 'hello'));
    await frank.client.call('contact/block', { user_id: erin.userId });

    await frank.client.call('presence/update', { status: 'busy', text: 'secret' });
    // Sentinel: gina's later change arrives; nothing about frank's came before it.
    await gina.client.call('presence/update', { status: 'busy' });
    await presenceEvent(erin.client, gina.userId, { status: 'busy' });
    expect(erin.client.events.some(isPresenceOf(frank.userId, { status: 'busy' }))).toBe(false);

    const listed = await erin.client.call('presence/list', { user_ids: [frank.userId] });
    expect(listed.users).toEqual([{ user_id: frank.userId, status: 'offline', text: null, last_seen: null, devices: [] }]);
    const online = await erin.client.call('presence/list', {});
    expect(online.users.map((u: any) => u.user_id)).not.toContain(frank.userId);
    expect(await refusal(erin.client, 'presence/subscribe', { user_ids: [frank.userId] })).toMatchObject({ status: 403 });
  });
});

describe('DIRECT_MESSAGE_POLICY=contacts (real TCP)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ DIRECT_MESSAGE_POLICY: 'contacts' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('lets only accepted contacts write directly, following every change of the relation', async () => {
    const p = uniquePrefix('pol');
    const alice = await user(app, `${p}_alice`);
    const bob = await user(app, `${p}_bob`);

    const stranger = await refusal(alice.client, 'message/send', dm(bob.userId, 'hi'));
    expect(stranger).toMatchObject({ status: 403, error_code: 'REFUSED' });

    await alice.client.call('contact/request', { user_id: bob.userId });
    // A pending request is not enough.
    expect(await refusal(alice.client, 'message/send', dm(bob.userId, 'hi'))).toMatchObject({ status: 403, error_code: 'REFUSED' });

    await bob.client.call('contact/accept', { user_id: alice.userId });
    expect((await alice.client.call('message/send', dm(bob.userId, 'hi'))).status).toBe(200);
    expect((await bob.client.call('message/send', dm(alice.userId, 'hello'))).status).toBe(200);

    await bob.client.call('contact/remove', { user_id: alice.userId });
    const removed = await refusal(alice.client, 'message/send', dm(bob.userId, 'still there?'));
    // The same refusal as for a stranger: a removal cannot be told apart from the policy.
    expect(removed).toEqual(stranger);
  });
});

/**
 * The friend-request cycle over real TCP: request (with note), accept, decline, cancel, remove,
 * mutual requests; every step reaches the other side as a durable notification/event, live when
 * online and replayed on the next login when offline, until acknowledged with notification/ack.
 */
import { startTestApp, TestApp } from '../../support/test-app';
import { loginAs } from '../../support/users';
import { befriend, isNotification, notification, refusal, uniquePrefix, user } from './contact-helpers';

describe('contact requests and notifications (real TCP)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('request → live notification with note → accept → live notification; lists on both sides; ack', async () => {
    const p = uniquePrefix('cyc');
    const alice = await user(app, `${p}_alice`);
    const bob = await user(app, `${p}_bob`);

    const sent = await alice.client.call('contact/request', { username: `${p}_BOB`, note: 'hi, from the meetup' });
    expect(sent.user).toMatchObject({ user_id: bob.userId, contact: 'outgoing' });

    const req = await notification(bob.client, 'contact.request', alice.userId);
    expect(req).toMatchObject({
      status: 200,
      durable: true,
      note: 'hi, from the meetup',
      user: { user_id: alice.userId, username: `${p}_alice`, contact: 'incoming' },
    });
    expect(req.notification_id).toMatch(/^n-/);

    const incoming = await bob.client.call('contact/list', { state: 'incoming' });
    expect(incoming.contacts).toEqual([expect.objectContaining({ user_id: alice.userId, contact: 'incoming', note: 'hi, from the meetup' })]);
    const outgoing = await alice.client.call('contact/list', {});
    expect(outgoing.contacts).toEqual([expect.objectContaining({ user_id: bob.userId, contact: 'outgoing' })]);

    // Repeating the request changes nothing.
    expect((await alice.client.call('contact/request', { user_id: bob.userId })).user.contact).toBe('outgoing');

    const accepted = await bob.client.call('contact/accept', { user_id: alice.userId });
    expect(accepted.user).toMatchObject({ user_id: alice.userId, contact: 'accepted' });
    const acc = await notification(alice.client, 'contact.accepted', bob.userId);
    expect(acc.user).toMatchObject({ user_id: bob.userId, contact: 'accepted' });

    for (const [client, other] of [[alice.client, bob.userId], [bob.client, alice.userId]] as const) {
      const list = await client.call('contact/list', { state: 'accepted' });
      expect(list.contacts).toEqual([expect.objectContaining({ user_id: other, contact: 'accepted', note: null, since_ms: expect.any(Number) })]);
    }

    // Durable: pending until acked, then gone.
    const pending = await bob.client.call('notification/list', {});
    expect(pending.notifications.map((n: any) => n.notification_id)).toContain(req.notification_id);
    expect(await bob.client.call('notification/ack', { notification_ids: [req.notification_id] })).toMatchObject({ status: 200, acked: 1 });
    expect((await bob.client.call('notification/list', {})).notifications).toEqual([]);
    // Acking again (or someone else's id) acks nothing.
    expect(await bob.client.call('notification/ack', { notification_ids: [req.notification_id] })).toMatchObject({ acked: 0 });
    expect(await alice.client.call('notification/ack', { notification_ids: [acc.notification_id, 'n-not-mine'] })).toMatchObject({ acked: 1 });
  });

  it('an offline user gets the request on the next login, and it stays until acked', async () => {
    const p = uniquePrefix('off');
    const alice = await user(app, `${p}_alice`);
    const carol = await user(app, `${p}_carol`);
    await carol.client.close();

    await alice.client.call('contact/request', { user_id: carol.userId, note: 'remember me?' });

    const back = await loginAs(app, carol);
    const replayed = await notification(back, 'contact.request', alice.userId);
    expect(replayed).toMatchObject({ durable: true, replayed: true, note: 'remember me?', user: { user_id: alice.userId } });

    // Not acked: offered again on the next login.
    await back.close();
    const again = await loginAs(app, carol);
    const second = await notification(again, 'contact.request', alice.userId);
    expect(second.notification_id).toBe(replayed.notification_id);
    await again.call('notification/ack', { notification_ids: [second.notification_id] });
    expect((await again.call('notification/list', {})).notifications).toEqual([]);

    // The answer reaches alice while she is offline too.
    await alice.client.close();
    await again.call('contact/accept', { username: `${p}_alice` });
    const aliceBack = await loginAs(app, alice);
    expect(await notification(aliceBack, 'contact.accepted', carol.userId)).toMatchObject({ replayed: true, user: { contact: 'accepted' } });
  });

  it('decline, cancel and remove are told to the other side', async () => {
    const p = uniquePrefix('dec');
    const alice = await user(app, `${p}_alice`);
    const dave = await user(app, `${p}_dave`);
    const erin = await user(app, `${p}_erin`);

    await alice.client.call('contact/request', { user_id: dave.userId });
    expect((await dave.client.call('contact/decline', { user_id: alice.userId })).user.contact).toBe('none');
    expect((await notification(alice.client, 'contact.declined', dave.userId)).user.contact).toBe('none');
    expect((await alice.client.call('contact/list', {})).contacts).toEqual([]);

    await alice.client.call('contact/request', { user_id: erin.userId });
    await notification(erin.client, 'contact.request', alice.userId);
    await alice.client.call('contact/remove', { user_id: erin.userId });
    await notification(erin.client, 'contact.request_cancelled', alice.userId);
    expect((await erin.client.call('contact/list', {})).contacts).toEqual([]);

    await befriend(alice, dave);
    await dave.client.call('contact/remove', { user_id: alice.userId });
    await notification(alice.client, 'contact.removed', dave.userId);
    expect((await alice.client.call('contact/list', { state: 'accepted' })).contacts).toEqual([]);
  });

  it('two requests towards each other make the two users contacts', async () => {
    const p = uniquePrefix('mut');
    const alice = await user(app, `${p}_alice`);
    const bob = await user(app, `${p}_bob`);
    await alice.client.call('contact/request', { user_id: bob.userId });
    const res = await bob.client.call('contact/request', { user_id: alice.userId });
    expect(res.user.contact).toBe('accepted');
    await notification(alice.client, 'contact.accepted', bob.userId);
  });

  it('pages the list with an opaque cursor', async () => {
    const p = uniquePrefix('page');
    const me = await user(app, `${p}_me`);
    const others = [];
    for (let i = 0; i < 3; i++) others.push(await user(app, `${p}_o${i}`));
    for (const o of others) await befriend(me, o);

    const first = await me.client.call('contact/list', { limit: 2 });
    expect(first.contacts).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const second = await me.client.call('contact/list', { limit: 2, cursor: first.next_cursor });
    expect(second).toMatchObject({ has_more: false, next_cursor: null });
    const ids = [...first.contacts, ...second.contacts].map((c: any) => c.user_id);
    expect(ids).toEqual(others.map((o) => o.userId).sort());

    // A cursor of another state's list, or a made-up one, is 400 INVALID_CURSOR.
    expect(await refusal(me.client, 'contact/list', { state: 'incoming', cursor: first.next_cursor })).toMatchObject({ status: 400, error_code: 'INVALID_CURSOR' });
    expect(await refusal(me.client, 'contact/list', { cursor: 'bm9wZQ' })).toMatchObject({ status: 400, error_code: 'INVALID_CURSOR' });
  });

  it('answers bad requests with clear errors', async () => {
    const p = uniquePrefix('err');
    const alice = await user(app, `${p}_alice`);
    const bob = await user(app, `${p}_bob`);
    expect(await refusal(alice.client, 'contact/request', { user_id: alice.userId })).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(await refusal(alice.client, 'contact/request', {})).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(await refusal(alice.client, 'contact/request', { user_id: bob.userId, username: `${p}_bob` })).toMatchObject({ status: 400 });
    expect(await refusal(alice.client, 'contact/request', { user_id: bob.userId, note: 'x'.repeat(201) })).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(await refusal(alice.client, 'contact/request', { username: `${p}_nobody` })).toMatchObject({ status: 404, error_code: 'USER_NOT_FOUND' });
    expect(await refusal(alice.client, 'contact/accept', { user_id: bob.userId })).toMatchObject({ status: 404, error_code: 'NOT_FOUND' });
    expect(await refusal(alice.client, 'contact/remove', { user_id: bob.userId })).toMatchObject({ status: 404, error_code: 'NOT_FOUND' });
    expect(await refusal(alice.client, 'contact/list', { state: 'friends' })).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(await refusal(alice.client, 'notification/ack', { notification_ids: [] })).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(await refusal(alice.client, 'notification/ack', { notification_ids: ['x; drop'] })).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    // No stray notification reached bob from all this.
    expect(bob.client.events.filter(isNotification('contact.request'))).toEqual([]);
  });
});

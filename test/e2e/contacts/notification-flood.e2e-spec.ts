/**
 * Issue #18.10: a stranger cycling contact/request and contact/remove made a notification per
 * step and pushed the victim's real pending friend request out of the NOTIFICATION_PENDING_MAX
 * kept. Now a sender's contact notices to one recipient collapse into the newest one, and
 * pending requests are the last thing trimmed when a user's notifications overflow.
 */
import { startTestApp, TestApp } from '../../support/test-app';
import { uniquePrefix, user } from './contact-helpers';

const KEEP = 10;

describe('#18.10 a stranger cannot flush someone’s pending notifications', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ NOTIFICATION_PENDING_MAX: String(KEEP), RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0' });
  });
  afterAll(async () => {
    await app.close();
  });

  const pending = async (client: any) => (await client.call('notification/list', { limit: 100 })).notifications as any[];

  it('cycling request/remove leaves one notice per sender; the genuine request stays', async () => {
    const p = uniquePrefix('fld');
    const victim = await user(app, `${p}_victim`);
    const friend = await user(app, `${p}_friend`);
    const stranger = await user(app, `${p}_stranger`);
    await friend.client.call('contact/request', { user_id: victim.userId, note: 'it is me' });

    for (let i = 0; i < 3 * KEEP; i++) {
      await stranger.client.call('contact/request', { user_id: victim.userId, note: `spam ${i}` });
      await stranger.client.call('contact/remove', { user_id: victim.userId });
    }
    const list = await pending(victim.client);
    expect(list.filter((n) => n.user?.user_id === stranger.userId).map((n) => n.type)).toEqual(['contact.request_cancelled']);
    expect(list.filter((n) => n.user?.user_id === friend.userId)).toEqual([expect.objectContaining({ type: 'contact.request', note: 'it is me' })]);

    // The stranger's newest notice is the one kept: a new request replaces the cancel.
    await stranger.client.call('contact/request', { user_id: victim.userId, note: 'last' });
    const after = await pending(victim.client);
    expect(after.filter((n) => n.user?.user_id === stranger.userId)).toEqual([expect.objectContaining({ type: 'contact.request', note: 'last' })]);
  });

  it('over NOTIFICATION_PENDING_MAX, other notices are dropped before a pending request', async () => {
    const p = uniquePrefix('evl');
    const victim = await user(app, `${p}_victim`);
    const friend = await user(app, `${p}_friend`);
    await friend.client.call('contact/request', { user_id: victim.userId, note: 'keep me' });
    // KEEP + 1 other users leave a request_cancelled each, all newer than the friend's request.
    for (let i = 0; i <= KEEP; i++) {
      const other = await user(app, `${p}_o${i}`);
      await other.client.call('contact/request', { user_id: victim.userId });
      await other.client.call('contact/remove', { user_id: victim.userId });
      other.client.destroy();
    }
    const list = await pending(victim.client);
    expect(list).toHaveLength(KEEP);
    expect(list[0]).toMatchObject({ type: 'contact.request', note: 'keep me', user: expect.objectContaining({ user_id: friend.userId }) });
    expect(list.slice(1).every((n) => n.type === 'contact.request_cancelled')).toBe(true);
  });
});

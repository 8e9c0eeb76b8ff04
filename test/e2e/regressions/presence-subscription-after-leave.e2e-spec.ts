/**
 * Regression (bug): presence/subscribe checked the audience rule only when subscribing. A user
 * who subscribed to a member of a shared group kept receiving that member's presence/event
 * after leaving the group, i.e. they could follow the presence of another user they no longer
 * share anything with. Explicit subscribers are now re-checked against the audience rule at
 * each announcement.
 */
import { loginAs, RegisteredUser, registerUser } from '../../support/users';
import { presenceEvent, presenceEventsAbout, shareDirect, shareGroup } from '../../support/presence-helpers';
import { startTestApp, TestApp } from '../../support/test-app';

const FANOUT_MAX = 2;

describe('regression: presence subscriptions end with the shared conversation', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ PRESENCE_DEBOUNCE_MS: '30', PRESENCE_GROUP_FANOUT_MAX: String(FANOUT_MAX) });
  });
  afterAll(async () => {
    await app.close();
  });

  it('should not push the presence of another user to a former group member who had subscribed', async () => {
    const users: RegisteredUser[] = [];
    for (let i = 0; i < 5; i++) users.push(await registerUser(app, { prefix: 'sub' }));
    const [speaker, leaver, stayer, sentinel, filler] = users;
    // Larger than the fan-out bound: members hear the speaker only through presence/subscribe.
    const groupId = await shareGroup(app, [speaker.userId, leaver.userId, stayer.userId, filler.userId]);
    await shareDirect(app, leaver.userId, sentinel.userId);

    const speakerClient = await loginAs(app, speaker, 'windows');
    const leaverClient = await loginAs(app, leaver, 'windows');
    const stayerClient = await loginAs(app, stayer, 'windows');
    await leaverClient.call('presence/subscribe', { user_ids: [speaker.userId] });
    await stayerClient.call('presence/subscribe', { user_ids: [speaker.userId] });

    // While they share the group both subscribers hear the speaker.
    await speakerClient.call('presence/update', { status: 'busy' });
    await presenceEvent(stayerClient, speaker.userId, { status: 'busy' });
    await presenceEvent(leaverClient, speaker.userId, { status: 'busy' });

    expect((await leaverClient.call('group/leave', { conversation_id: groupId })).status).toBe(200);
    const heardBefore = presenceEventsAbout(leaverClient, speaker.userId).length;

    await speakerClient.call('presence/update', { status: 'away' });
    // The remaining subscriber hears it (same publish as the former member's would be)...
    await presenceEvent(stayerClient, speaker.userId, { status: 'away' });
    // ...and a later change of the leaver's direct contact reaches the leaver after it.
    const sentinelClient = await loginAs(app, sentinel, 'windows');
    await presenceEvent(leaverClient, sentinel.userId, { status: 'online' });
    await sentinelClient.call('presence/update', { status: 'away' });
    await presenceEvent(leaverClient, sentinel.userId, { status: 'away' });

    expect(presenceEventsAbout(leaverClient, speaker.userId)).toHaveLength(heardBefore);
    // presence/list agrees: the speaker reads as a stranger now.
    const listed = await leaverClient.call('presence/list', { user_ids: [speaker.userId] });
    expect(listed.users[0]).toMatchObject({ user_id: speaker.userId, status: 'offline', last_seen: null });
  });
});

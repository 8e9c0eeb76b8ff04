/**
 * The sample poll module end to end, over real TCP on the real database and migrations: a member
 * creates a poll in a group, every member hears `poll.created`, votes are counted once per user
 * (a second vote changes it), the `poll` content type travels in message/send, and bad input or
 * strangers get clear protocol errors. Also: its config, metric and migration are registered
 * from its folder (the app's config list, /metrics and the migration set know them).
 */
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { CONFIG_NAMESPACES } from '../../../src/app.features';
import { LoggedInUser, registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';

function notification(client: SwitchboardClient, type: string, pollId?: string) {
  return client.waitFor((f) => f.command === 'notification/event' && f.payload.type === type && (pollId === undefined || f.payload.poll_id === pollId), {
    includePast: true,
  });
}

describe('poll module (sample)', () => {
  let app: TestApp;
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  let stranger: LoggedInUser;
  let groupId: string;

  beforeAll(async () => {
    app = await startTestApp({ POLL_MAX_OPTIONS: '4', RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0' });
    [alice, bob, stranger] = [await registerAndLogin(app), await registerAndLogin(app), await registerAndLogin(app)];
    const created = await alice.client.call('group/create', { name: 'lunch', members: [bob.userId] });
    groupId = created.conversation_id as string;
  });
  afterAll(() => app?.close());

  it('creates a poll, tells every member, counts one vote per user and lets a vote change', async () => {
    const created = await alice.client.call('poll/create', { conversation_id: groupId, question: 'Where?', options: ['pizza', 'sushi', 'salad'] });
    const poll = created.poll as { poll_id: string; votes: number[]; options: string[] };
    expect(poll).toMatchObject({ conversation_id: groupId, creator_id: alice.userId, question: 'Where?', options: ['pizza', 'sushi', 'salad'], votes: [0, 0, 0] });
    expect(poll.poll_id).toMatch(/^p-[0-9a-f]{24}$/);
    const told = await notification(bob.client, 'poll.created', poll.poll_id);
    expect(told.payload).toMatchObject({ status: 200, question: 'Where?', creator_id: alice.userId });

    expect((await bob.client.call('poll/vote', { poll_id: poll.poll_id, option: 1 })).poll).toMatchObject({ votes: [0, 1, 0] });
    expect((await alice.client.call('poll/vote', { poll_id: poll.poll_id, option: 1 })).poll).toMatchObject({ votes: [0, 2, 0] });
    // Bob changes his mind: still one vote from him.
    const changed = await bob.client.call('poll/vote', { poll_id: poll.poll_id, option: 2 });
    expect(changed.poll).toMatchObject({ votes: [0, 1, 1] });
    const voted = await alice.client.waitFor(
      (f) => f.command === 'notification/event' && f.payload.type === 'poll.voted' && f.payload.voter_id === bob.userId && (f.payload.votes as number[] | undefined)?.[2] === 1,
      { includePast: true },
    );
    expect(voted.payload).toMatchObject({ poll_id: poll.poll_id, votes: [0, 1, 1] });
  });

  it('shares a poll as a message of the registered content type "poll"', async () => {
    const { poll } = (await alice.client.call('poll/create', { conversation_id: groupId, question: 'When?', options: ['12', '13'] })) as unknown as { poll: { poll_id: string } };
    const sent = await alice.client.request('message/send', { conversation_id: groupId, target: { type: 'group', id: groupId }, content: { type: 'poll', poll_id: poll.poll_id } });
    expect(sent.payload).toMatchObject({ status: 200, conversation_id: groupId });
    const bad = await alice.client.request('message/send', { conversation_id: groupId, target: { type: 'group', id: groupId }, content: { type: 'poll' } });
    expect(bad.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED', error_message: expect.stringContaining('poll_id') });
  });

  it('answers bad input and strangers with clear protocol errors, and the connection survives', async () => {
    const tooMany = await alice.client.request('poll/create', { conversation_id: groupId, question: 'Q', options: ['a', 'b', 'c', 'd', 'e'] });
    expect(tooMany.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED', error_message: expect.stringContaining('at most 4 options') });
    const oneOption = await alice.client.request('poll/create', { conversation_id: groupId, question: 'Q', options: ['a'] });
    expect(oneOption.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED', error_message: expect.stringContaining('options') });
    const notMember = await stranger.client.request('poll/create', { conversation_id: groupId, question: 'Q', options: ['a', 'b'] });
    expect(notMember.payload).toMatchObject({ status: 403, error_code: 'FORBIDDEN' });

    const { poll } = (await alice.client.call('poll/create', { conversation_id: groupId, question: 'Q', options: ['a', 'b'] })) as unknown as { poll: { poll_id: string } };
    const strangerVote = await stranger.client.request('poll/vote', { poll_id: poll.poll_id, option: 0 });
    expect(strangerVote.payload).toMatchObject({ status: 404, error_code: 'NOT_FOUND' });
    const outOfRange = await bob.client.request('poll/vote', { poll_id: poll.poll_id, option: 2 });
    expect(outOfRange.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED', error_message: expect.stringContaining('between 0 and 1') });
    const notInt = await bob.client.request('poll/vote', { poll_id: poll.poll_id, option: 'a' });
    expect(notInt.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED', error_message: expect.stringContaining('option') });
    const anonymous = await (await app.connect()).request('poll/create', { conversation_id: groupId, question: 'Q', options: ['a', 'b'] });
    expect(anonymous.payload).toMatchObject({ status: 401 });
    expect((await bob.client.call('control/ping', {})).status).toBe(200);
  });

  it('registers its config, metric and migration from its own folder', async () => {
    expect(CONFIG_NAMESPACES.map((ns) => ns.key)).toContain('poll');
    const metrics = await (await fetch(`http://127.0.0.1:${app.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/^switchboard_poll_votes_total \d+$/m);
    expect(Number(/^switchboard_poll_votes_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
    const { DataSource } = await import('typeorm');
    const ds = app.app.get(DataSource);
    // In the one set the app runs, and already applied (nothing pending) at start.
    expect(ds.migrations.map((m) => m.name)).toContain('PollSchema1764170000000');
    expect(await ds.showMigrations()).toBe(false);
  });
});

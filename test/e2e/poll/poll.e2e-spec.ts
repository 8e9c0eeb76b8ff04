/**
 * The sample poll module end to end, over real TCP on the real database and migrations: a member
 * creates a poll in a group, the poll and every vote's tally enter the conversation's ordered
 * stream (`poll.created` / `poll.voted` entries: pushed live, in history, and in the offline batch
 * of a member who was away), votes are counted once per user (a second vote changes it), the
 * `poll` content type travels in message/send, and bad input or strangers get clear protocol
 * errors. Also: its commands, config, metric and migration are registered from its folder.
 */
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { APP_FEATURES, CONFIG_NAMESPACES } from '../../../src/app.features';
import type { WireMessage } from '../../../src/shared/protocol';
import { login, LoggedInUser, registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';

/** The stream entry of `kind` for the poll (live push, or already received). */
async function entry(client: SwitchboardClient, kind: string, pollId: string, match: (m: WireMessage) => boolean = () => true): Promise<WireMessage> {
  const frame = await client.waitFor(
    (f) => f.command === 'message/event' && (f.payload as any).message.kind === kind && (f.payload as any).message.content.poll_id === pollId && match((f.payload as any).message),
    { includePast: true },
  );
  return (frame.payload as any).message as WireMessage;
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

  it('creates a poll and counts one vote per user; the poll and each tally enter the conversation stream', async () => {
    const created = await alice.client.call('poll/create', { conversation_id: groupId, question: 'Where?', options: ['pizza', 'sushi', 'salad'] });
    const poll = created.poll as { poll_id: string; votes: number[]; options: string[] };
    expect(poll).toMatchObject({ conversation_id: groupId, creator_id: alice.userId, question: 'Where?', options: ['pizza', 'sushi', 'salad'], votes: [0, 0, 0] });
    expect(poll.poll_id).toMatch(/^p-[0-9a-f]{24}$/);
    const told = await entry(bob.client, 'poll.created', poll.poll_id);
    expect(told).toMatchObject({ conversation_id: groupId, sender_id: alice.userId, content: { question: 'Where?', creator_id: alice.userId, votes: [0, 0, 0] } });

    expect((await bob.client.call('poll/vote', { poll_id: poll.poll_id, option: 1 })).poll).toMatchObject({ votes: [0, 1, 0] });
    expect((await alice.client.call('poll/vote', { poll_id: poll.poll_id, option: 1 })).poll).toMatchObject({ votes: [0, 2, 0] });
    // Bob changes his mind: still one vote from him.
    const changed = await bob.client.call('poll/vote', { poll_id: poll.poll_id, option: 2 });
    expect(changed.poll).toMatchObject({ votes: [0, 1, 1] });
    const voted = await entry(alice.client, 'poll.voted', poll.poll_id, (m) => (m.content as any).votes[2] === 1);
    expect(voted).toMatchObject({ sender_id: bob.userId, content: { poll_id: poll.poll_id, voter_id: bob.userId, votes: [0, 1, 1] } });
    // The entries follow each other in the conversation's seqs, as history shows them.
    const history = await alice.client.call('message/history', { conversation_id: groupId });
    const kinds = (history.messages as WireMessage[]).filter((m) => (m.content as any).poll_id === poll.poll_id).map((m) => [m.kind, (m.content as any).votes]);
    expect(kinds).toEqual([
      ['poll.created', [0, 0, 0]],
      ['poll.voted', [0, 1, 0]],
      ['poll.voted', [0, 2, 0]],
      ['poll.voted', [0, 1, 1]],
    ]);
  });

  it('a member who was offline sees the votes after reconnecting', async () => {
    const { poll } = (await alice.client.call('poll/create', { conversation_id: groupId, question: 'Offline?', options: ['yes', 'no'] })) as unknown as { poll: { poll_id: string } };
    const away = await registerAndLogin(app);
    await alice.client.call('group/add', { conversation_id: groupId, members: [away.userId] });
    // Caught up, then away: acknowledge everything so far, so the offline batch holds only what follows.
    const page = await away.client.call('message/history', { conversation_id: groupId });
    const last = (page.messages as WireMessage[]).at(-1);
    if (last) await away.client.call('message/ack', { conversation_id: groupId, seq: last.seq, state: 'delivered' });
    await away.client.close();
    await alice.client.call('poll/vote', { poll_id: poll.poll_id, option: 0 });
    await bob.client.call('poll/vote', { poll_id: poll.poll_id, option: 0 });

    const back = await app.connect();
    await login(back, away.username, away.password, 'phone');
    const batch = await back.waitFor((f) => f.command === 'message/offline');
    const tallies = ((batch.payload as any).messages as WireMessage[]).filter((m) => m.kind === 'poll.voted').map((m) => (m.content as any).votes);
    expect(tallies).toEqual([
      [1, 0],
      [2, 0],
    ]);
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

  it('registers its commands, config, metric and migration from its own folder', async () => {
    expect(APP_FEATURES.commands.ownerOf('poll/create')).toBe('feature poll');
    expect(APP_FEATURES.commands.ownerOf('poll/vote')).toBe('feature poll');
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

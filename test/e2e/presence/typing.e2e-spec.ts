/**
 * presence/typing over real sockets: reaches the other members who are online (not the typist,
 * not a stranger), ends with a stop, by itself after PRESENCE_TYPING_TTL_MS or when the typing
 * connection closes; refreshes inside half the TTL are absorbed; rate limited per connection;
 * strangers get the answer of an unknown conversation. Across two nodes (PostgreSQL + Redis bus)
 * it reaches a member connected to the other node, and expires there too.
 */
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import type { Envelope } from '../../../src/shared/protocol';
import { describeWith } from '../../support/requires';
import { startTestApp, startTwoNodes, TestApp } from '../../support/test-app';
import { createGroup, newUser, secondDevice, sendText } from '../message/message-helpers';

jest.setTimeout(60_000);

const TTL_MS = 1500;
const typingIn = (conversationId: string, state?: string) => (f: Envelope) =>
  f.command === 'presence/typing' && (f.payload as any).conversation_id === conversationId && (state === undefined || (f.payload as any).state === state);
const typingEvents = (client: SwitchboardClient, conversationId: string) => client.events.filter(typingIn(conversationId)).map((f) => (f.payload as any).state);

async function refusal(client: SwitchboardClient, command: string, payload: Record<string, unknown>) {
  const res = await client.request(command, payload);
  return { status: res.payload.status, code: res.payload.error_code };
}

describe('presence/typing', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0', PRESENCE_TYPING_TTL_MS: String(TTL_MS), PRESENCE_TYPING_RATE: '6' });
  });
  afterAll(() => app?.close());

  it('start and stop reach the other members, not the typist; a refresh inside half the TTL sends nothing', async () => {
    const [alice, bob, carol] = [await newUser(app), await newUser(app), await newUser(app)];
    const alicePhone = await secondDevice(app, alice);
    const groupId = await createGroup(alice, [bob.userId, carol.userId]);

    const started = Promise.all([bob.client.waitFor(typingIn(groupId, 'start')), carol.client.waitFor(typingIn(groupId, 'start'))]);
    expect(await alice.client.call('presence/typing', { conversation_id: groupId, state: 'start' })).toEqual({ status: 200, conversation_id: groupId, state: 'start', expires_in_ms: TTL_MS });
    for (const frame of await started) expect(frame.payload).toEqual({ conversation_id: groupId, user_id: alice.userId, state: 'start', expires_in_ms: TTL_MS });
    const refreshFrom = Date.now();
    await alice.client.call('presence/typing', { conversation_id: groupId, state: 'start' });
    // Within half the TTL of the forwarded start (true unless the machine stalled for 750 ms).
    const absorbed = Date.now() - refreshFrom < TTL_MS / 2;

    const stopped = bob.client.waitFor(typingIn(groupId, 'stop'));
    expect(await alice.client.call('presence/typing', { conversation_id: groupId, state: 'stop' })).toEqual({ status: 200, conversation_id: groupId, state: 'stop' });
    expect((await stopped).payload).toEqual({ conversation_id: groupId, user_id: alice.userId, state: 'stop' });
    expect(typingEvents(bob.client, groupId)).toEqual(absorbed ? ['start', 'stop'] : ['start', 'start', 'stop']);
    // A stop with nothing started forwards nothing; the next start does.
    await alice.client.call('presence/typing', { conversation_id: groupId, state: 'stop' });
    const again = carol.client.waitFor(typingIn(groupId, 'start'), { includePast: false });
    await alice.client.call('presence/typing', { conversation_id: groupId, state: 'start' });
    await again;
    expect(typingEvents(carol.client, groupId)).toEqual(absorbed ? ['start', 'stop', 'start'] : ['start', 'start', 'stop', 'start']);
    // Never to the typist's own connections.
    expect(alicePhone.events.some(typingIn(groupId))).toBe(false);
    expect(alice.client.events.some(typingIn(groupId))).toBe(false);
    await alicePhone.close();
  });

  it('ends by itself after the TTL when no stop arrives, and when the typing connection closes', async () => {
    const [alice, bob] = [await newUser(app), await newUser(app)];
    const sent = await sendText(alice.client, bob.userId, 'hi');
    const conversationId = sent.conversation_id;
    const began = Date.now();
    const stopped = bob.client.waitFor(typingIn(conversationId, 'stop'));
    await alice.client.call('presence/typing', { conversation_id: conversationId, state: 'start' });
    await bob.client.waitFor(typingIn(conversationId, 'start'));
    expect((await stopped).payload).toEqual({ conversation_id: conversationId, user_id: alice.userId, state: 'stop' });
    expect(Date.now() - began).toBeGreaterThanOrEqual(TTL_MS - 20);

    const phone = await secondDevice(app, alice);
    const restarted = bob.client.waitFor(typingIn(conversationId, 'start'), { includePast: false });
    await phone.call('presence/typing', { conversation_id: conversationId, state: 'start' });
    await restarted;
    const closedStop = bob.client.waitFor(typingIn(conversationId, 'stop'), { includePast: false });
    const closedAt = Date.now();
    await phone.close();
    await closedStop;
    expect(typingEvents(bob.client, conversationId)).toEqual(['start', 'stop', 'start', 'stop']);
    expect(Date.now() - closedAt).toBeLessThan(TTL_MS * 10);
  });

  it('strangers and unknown conversations get the same answer; bad states are 400; the rate is limited per connection', async () => {
    const [alice, bob, eve] = [await newUser(app), await newUser(app), await newUser(app)];
    const groupId = await createGroup(alice, [bob.userId]);
    for (const state of ['start', 'stop']) {
      const unknown = await refusal(eve.client, 'presence/typing', { conversation_id: 'g-000000000000000000000000', state });
      expect(unknown).toEqual({ status: 403, code: 'NOT_A_MEMBER' });
      expect(await refusal(eve.client, 'presence/typing', { conversation_id: groupId, state })).toEqual(unknown);
    }
    expect(bob.client.events.some(typingIn(groupId))).toBe(false);
    expect(await refusal(alice.client, 'presence/typing', { conversation_id: groupId, state: 'typing' })).toEqual({ status: 400, code: 'VALIDATION_FAILED' });

    // PRESENCE_TYPING_RATE=6 per 10 s, counted per connection (the refused 400 above never reached it).
    for (let i = 0; i < 6; i++) await alice.client.call('presence/typing', { conversation_id: groupId, state: i % 2 ? 'stop' : 'start' });
    const limited = await alice.client.request('presence/typing', { conversation_id: groupId, state: 'start' });
    expect(limited.payload).toMatchObject({ status: 429, error_code: 'RATE_LIMITED' });
    expect(limited.payload.retry_after_ms).toBeGreaterThan(0);
    // Another connection of the same user has its own budget.
    const phone = await secondDevice(app, alice);
    expect((await phone.request('presence/typing', { conversation_id: groupId, state: 'start' })).payload.status).toBe(200);
    await phone.close();
  });
});

describeWith({ postgres: true, redis: true }, 'presence/typing across two nodes (PostgreSQL + Redis bus)', () => {
  let node1: TestApp;
  let node2: TestApp;

  beforeAll(async () => {
    [node1, node2] = await startTwoNodes({ PRESENCE_TYPING_TTL_MS: String(TTL_MS) });
  });
  afterAll(async () => {
    await node2?.close();
    await node1?.close();
  });

  it('typing on node 1 reaches a member on node 2, and its expiry does too', async () => {
    const alice = await newUser(node1);
    const bob = await newUser(node2);
    const groupId = await createGroup(alice, [bob.userId]);
    const start = bob.client.waitFor(typingIn(groupId, 'start'));
    const stop = bob.client.waitFor(typingIn(groupId, 'stop'));
    await alice.client.call('presence/typing', { conversation_id: groupId, state: 'start' });
    expect((await start).payload).toEqual({ conversation_id: groupId, user_id: alice.userId, state: 'start', expires_in_ms: TTL_MS });
    expect((await stop).payload).toEqual({ conversation_id: groupId, user_id: alice.userId, state: 'stop' });

    // And back: bob types on node 2, alice on node 1 sees it.
    const back = alice.client.waitFor(typingIn(groupId, 'start'));
    await bob.client.call('presence/typing', { conversation_id: groupId, state: 'start' });
    expect((await back).payload).toMatchObject({ user_id: bob.userId, state: 'start' });
  });
});

/**
 * Offline delivery over real TCP: what a user missed comes in bounded `message/offline` batches
 * after login, the next batch only after the client's ack, and whatever was not acked is
 * offered again on the next login.
 */
import type { Envelope } from '../../../src/shared/protocol';
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { login, LoggedInUser } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { CLIENT_TIMEOUT_MS, createGroup, directId, newUser, range, seqs, text } from './message-helpers';

const isOffline = (f: Envelope) => f.command === 'message/offline';

async function sendMany(from: LoggedInUser, to: string, count: number, prefix = 'm'): Promise<void> {
  await Promise.all(range(1, count).map((i) => from.client.call('message/send', { target: { type: 'user', id: to }, content: text(`${prefix}${i}`) })));
}

/** Logs in on a fresh connection and returns it (offline delivery starts after the response). */
async function comeOnline(app: TestApp, user: LoggedInUser, device = 'laptop'): Promise<SwitchboardClient> {
  const client = await app.connect({ timeoutMs: CLIENT_TIMEOUT_MS });
  await login(client, user.username, user.password, device);
  return client;
}

/** The batch's newest seq per conversation: what the client acks. */
function ackBatch(client: SwitchboardClient, batch: Envelope) {
  const newest = new Map<string, number>();
  for (const m of (batch.payload as any).messages) newest.set(m.conversation_id, Math.max(newest.get(m.conversation_id) ?? 0, m.seq));
  return Promise.all([...newest].map(([conversation_id, seq]) => client.call('message/ack', { conversation_id, seq, state: 'delivered' })));
}

// Every send waits for its commit: generous limits for loaded CI databases (see CLIENT_TIMEOUT_MS).
jest.setTimeout(120_000);

describe('offline delivery', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0', MESSAGE_OFFLINE_BATCH: '100' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('Bob offline, Alice sends 250: Bob logs in and receives exactly 250 in order, one batch per ack', async () => {
    const alice = await newUser(app);
    const bob = await newUser(app);
    await bob.client.close();
    await sendMany(alice, bob.userId, 250);

    const client = await comeOnline(app, bob);
    const first = await client.waitFor(isOffline);
    expect(first.payload).toMatchObject({ status: 200, has_more: true });
    expect(first.payload.messages).toHaveLength(100);
    // No second batch before the ack: a round trip later there is still only one.
    await client.call('control/ping');
    expect(client.events.filter(isOffline)).toHaveLength(1);

    const received = [...first.payload.messages];
    let batch = first;
    while (batch.payload.has_more) {
      const count = client.events.filter(isOffline).length;
      await ackBatch(client, batch);
      [batch] = (await client.waitForCount(isOffline, count + 1)).slice(count);
      received.push(...batch.payload.messages);
    }
    expect(client.events.filter(isOffline).map((f) => (f.payload as any).messages.length)).toEqual([100, 100, 50]);
    expect(seqs(received)).toEqual(range(1, 250));
    expect(received.map((m) => m.content.text)).toEqual(range(1, 250).map((i) => `m${i}`));
    expect(received[0]).toMatchObject({ conversation_id: directId(alice.userId, bob.userId), sender_id: alice.userId });

    // All acked: the next login brings nothing.
    await ackBatch(client, batch);
    const later = await comeOnline(app, bob, 'phone');
    await later.call('control/ping');
    expect(later.events.filter(isOffline)).toEqual([]);
  });

  it('a connection killed after the first batch gets the rest on the next login; unacked batches come again', async () => {
    const alice = await newUser(app);
    const bob = await newUser(app);
    await bob.client.close();
    await sendMany(alice, bob.userId, 250);

    // First login: takes batch 1, acks it, receives batch 2 and dies without acking.
    const first = await comeOnline(app, bob);
    const batch1 = await first.waitFor(isOffline);
    expect(seqs(batch1.payload.messages)).toEqual(range(1, 100));
    await ackBatch(first, batch1);
    const [, batch2] = await first.waitForCount(isOffline, 2);
    expect(seqs(batch2.payload.messages)).toEqual(range(101, 200));
    first.destroy();
    await first.closed;

    // Next login: batch 2 was not acked, so it is offered again, then the rest.
    const second = await comeOnline(app, bob);
    const again = await second.waitFor(isOffline);
    expect(seqs(again.payload.messages)).toEqual(range(101, 200));
    await ackBatch(second, again);
    const [, last] = await second.waitForCount(isOffline, 2);
    expect(seqs(last.payload.messages)).toEqual(range(201, 250));
    expect(last.payload.has_more).toBe(false);
  });

  it('covers several conversations in seq order per conversation, never the user\'s own messages or messages from before joining a group', async () => {
    const [alice, bob, carol] = [await newUser(app), await newUser(app), await newUser(app)];
    const group = await createGroup(alice, [carol.userId]);
    await alice.client.call('message/send', { target: { type: 'group', id: group }, content: text('before bob joined') });
    await alice.client.call('group/add', { conversation_id: group, members: [bob.userId] });
    await bob.client.close();

    await sendMany(alice, bob.userId, 3, 'a');
    await sendMany(carol, bob.userId, 2, 'c');
    for (const i of range(1, 3)) await carol.client.call('message/send', { target: { type: 'group', id: group }, content: text(`g${i}`) });
    // Bob's own message from another device is not "offline" for Bob.
    const bobPhone = await comeOnline(app, bob, 'phone');
    await bobPhone.call('message/send', { target: { type: 'user', id: alice.userId }, content: text('from my phone') });
    await bobPhone.close();

    const client = await comeOnline(app, bob);
    const batch = await client.waitFor(isOffline);
    expect(batch.payload.has_more).toBe(false);
    const byConversation = new Map<string, string[]>();
    for (const m of batch.payload.messages) byConversation.set(m.conversation_id, [...(byConversation.get(m.conversation_id) ?? []), m.content.text]);
    // Pipelined sends on one connection are stored in order, so the texts follow the seqs.
    expect(byConversation.get(directId(alice.userId, bob.userId))).toEqual(['a1', 'a2', 'a3']);
    expect(byConversation.get(directId(carol.userId, bob.userId))).toEqual(['c1', 'c2']);
    expect(byConversation.get(group)).toEqual(['g1', 'g2', 'g3']);
    for (const list of byConversation.values()) expect(list).not.toContain('from my phone');
    for (const [conversation, messages] of byConversation) {
      const s = batch.payload.messages.filter((m: any) => m.conversation_id === conversation).map((m: any) => m.seq);
      expect(s).toEqual([...s].sort((a: number, b: number) => a - b));
      expect(messages).not.toContain('before bob joined');
    }
  });

  it('should not let a user ack positions into another user\'s offline queue', async () => {
    const [alice, bob, mallory] = [await newUser(app), await newUser(app), await newUser(app)];
    await bob.client.close();
    await sendMany(alice, bob.userId, 5);
    const conversation = directId(alice.userId, bob.userId);
    const forged = await mallory.client.request('message/ack', { conversation_id: conversation, seq: 5, state: 'delivered' });
    expect(forged.payload).toMatchObject({ status: 403, error_code: 'NOT_A_MEMBER' });
    const client = await comeOnline(app, bob);
    const batch = await client.waitFor(isOffline);
    expect(seqs(batch.payload.messages)).toEqual(range(1, 5));
  });
});

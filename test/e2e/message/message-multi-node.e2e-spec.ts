/**
 * Two server nodes sharing one PostgreSQL schema and the Redis event bus (runs when
 * TEST_DATABASE_URL and TEST_REDIS_URL are set; CI sets both). Sequences come from the database,
 * not from process state, so concurrent senders on both nodes still get one gap-free sequence;
 * pushes cross nodes through the bus; offline delivery works wherever the user logs in.
 */
import type { Envelope } from '../../../src/shared/protocol';
import { login, LoggedInUser } from '../../support/users';
import { describeWith } from '../../support/requires';
import { startTwoNodes, TestApp } from '../../support/test-app';
import { CLIENT_TIMEOUT_MS, createGroup, directId, isMessageEvent, newUser, range, text } from './message-helpers';

// Every send waits for its commit: generous limits for loaded CI databases (see CLIENT_TIMEOUT_MS).
jest.setTimeout(120_000);

describeWith({ postgres: true, redis: true }, 'messages across two nodes (PostgreSQL + Redis bus)', () => {
  let node1: TestApp;
  let node2: TestApp;

  beforeAll(async () => {
    [node1, node2] = await startTwoNodes();
  });
  afterAll(async () => {
    await node2?.close();
    await node1?.close();
  });

  it('delivers live across nodes and keeps one gap-free sequence under concurrent senders on both', async () => {
    const onOne: LoggedInUser[] = [];
    const onTwo: LoggedInUser[] = [];
    for (let i = 0; i < 3; i++) onOne.push(await newUser(node1));
    for (let i = 0; i < 3; i++) onTwo.push(await newUser(node2));

    const direct = await onOne[0].client.call('message/send', { target: { type: 'user', id: onTwo[0].userId }, content: text('across') });
    const event = await onTwo[0].client.waitFor(isMessageEvent(direct.conversation_id));
    expect(event.payload.message).toMatchObject({ message_id: direct.message_id, sender_id: onOne[0].userId, seq: 1 });

    const group = await createGroup(onOne[0], [...onOne.slice(1), ...onTwo].map((u) => u.userId));
    const everyone = [...onOne, ...onTwo];
    const responses = await Promise.all(
      everyone.flatMap((u, c) => range(1, 40).map((i) => u.client.call('message/send', { target: { type: 'group', id: group }, content: text(`${c}-${i}`) }))),
    );
    expect(responses.map((r) => r.seq).sort((a, b) => a - b)).toEqual(range(1, 240));
    for (const user of everyone) {
      const got = await user.client.waitForCount(isMessageEvent(group), 200, 60_000);
      expect(new Set(got.map((f) => f.payload.message.seq)).size).toBe(200);
    }
  });

  it('offline messages sent on one node are delivered when the user logs in on the other', async () => {
    const alice = await newUser(node1);
    const bob = await newUser(node2);
    await bob.client.close();
    await Promise.all(range(1, 30).map((i) => alice.client.call('message/send', { target: { type: 'user', id: bob.userId }, content: text(`o${i}`) })));
    const back = await node2.connect({ timeoutMs: CLIENT_TIMEOUT_MS });
    await login(back, bob.username, bob.password);
    const batch: Envelope<any> = await back.waitFor('message/offline');
    expect(batch.payload.messages.map((m: any) => m.seq)).toEqual(range(1, 30));
    expect(batch.payload.messages[0].conversation_id).toBe(directId(alice.userId, bob.userId));
  });
});

/**
 * Two server nodes sharing one PostgreSQL schema and the Redis event bus (runs when
 * TEST_DATABASE_URL and TEST_REDIS_URL are set): a reaction added on one node reaches a member
 * connected to the other, live and in the stream's order, and both nodes count it in history.
 */
import type { Envelope, WireMessage } from '../../../src/shared/protocol';
import { describeWith } from '../../support/requires';
import { startTwoNodes, TestApp } from '../../support/test-app';
import { createGroup, newUser, text } from '../message/message-helpers';

jest.setTimeout(120_000);

describeWith({ postgres: true, redis: true }, 'reactions across two nodes (PostgreSQL + Redis bus)', () => {
  let node1: TestApp;
  let node2: TestApp;

  beforeAll(async () => {
    [node1, node2] = await startTwoNodes();
  });
  afterAll(async () => {
    await node2?.close();
    await node1?.close();
  });

  it('a reaction on node 1 reaches a member on node 2, in seq order with the other entries', async () => {
    const alice = await newUser(node1);
    const bob = await newUser(node2);
    const carol = await newUser(node1);
    const groupId = await createGroup(alice, [bob.userId, carol.userId]);
    const sent = await alice.client.call('message/send', { target: { type: 'group', id: groupId }, content: text('across nodes') });
    const isReaction = (f: Envelope) => f.command === 'message/event' && (f.payload as any).message.conversation_id === groupId && /^reaction\./.test((f.payload as any).message.kind ?? '');

    const arriving = bob.client.waitForCount(isReaction, 3, 60_000);
    const entries: WireMessage[] = [];
    entries.push((await alice.client.call('reaction/add', { conversation_id: groupId, seq: sent.seq, emoji: '👍' })).entry);
    entries.push((await carol.client.call('reaction/add', { conversation_id: groupId, seq: sent.seq, emoji: '👍' })).entry);
    entries.push((await alice.client.call('reaction/remove', { conversation_id: groupId, seq: sent.seq, emoji: '👍' })).entry);
    const got = (await arriving).map((f) => (f.payload as any).message);
    expect(got).toEqual(entries);
    expect(got.map((m: WireMessage) => m.seq)).toEqual([2, 3, 4]);

    // Bob reacts from node 2; Alice on node 1 sees it, and history agrees on both nodes.
    const back = alice.client.waitFor((f) => isReaction(f) && (f.payload as any).message.sender_id === bob.userId);
    const bobs = await bob.client.call('reaction/add', { conversation_id: groupId, seq: sent.seq, emoji: '🎉' });
    expect((await back).payload.message).toEqual(bobs.entry);
    for (const [user, expected] of [
      [alice, [{ emoji: '👍', count: 1, me: false }, { emoji: '🎉', count: 1, me: false }]],
      [bob, [{ emoji: '👍', count: 1, me: false }, { emoji: '🎉', count: 1, me: true }]],
    ] as const) {
      const page = await user.client.call('message/history', { conversation_id: groupId });
      expect(page.messages[0].reactions).toEqual(expected);
    }
  });
});

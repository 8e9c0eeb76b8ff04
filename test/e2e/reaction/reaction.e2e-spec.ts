/**
 * Reactions (the reaction module, built on the message module's ports) over real sockets and a
 * real database: each add/remove is a stream entry pushed to members and returned by history,
 * sync and offline batches; history shows the counts with `me`; emojis are validated; strangers
 * get the answer of an unknown conversation; a recalled message loses its reactions.
 */
import { SwitchboardSession } from '../../../src/client/session';
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import type { Envelope, WireMessage } from '../../../src/shared/protocol';
import { login } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { CLIENT_TIMEOUT_MS, createGroup, directId, newUser, sendText, text } from '../message/message-helpers';

jest.setTimeout(60_000);

const entryOf = (kind: string) => (f: Envelope) => f.command === 'message/event' && (f.payload as any).message.kind === kind;

async function refusal(client: SwitchboardClient, command: string, payload: Record<string, unknown>) {
  const res = await client.request(command, payload);
  return { status: res.payload.status, code: res.payload.error_code };
}

describe('reactions', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0', REACTION_MAX_DISTINCT: '3' });
  });
  afterAll(() => app?.close());

  it('adds and removes: members get the entries, history shows counts with me, adding twice changes nothing', async () => {
    const [alice, bob, carol] = [await newUser(app), await newUser(app), await newUser(app)];
    const groupId = await createGroup(alice, [bob.userId, carol.userId]);
    const sent = await bob.client.call('message/send', { target: { type: 'group', id: groupId }, content: text('ship it?') });
    const ref = { conversation_id: groupId, seq: sent.seq };

    const pushed = carol.client.waitFor(entryOf('reaction.added'));
    const added = await alice.client.call('reaction/add', { ...ref, emoji: '👍' });
    expect(added).toMatchObject({ status: 200, conversation_id: groupId, seq: sent.seq, reactions: [{ emoji: '👍', count: 1, me: true }] });
    expect(added.entry).toMatchObject({ kind: 'reaction.added', ref_seq: sent.seq, sender_id: alice.userId, content: { message_id: sent.message_id, seq: sent.seq, emoji: '👍', user_id: alice.userId } });
    expect((await pushed).payload.message).toEqual(added.entry);

    // Adding the same reaction again: nothing new, the same entry.
    const again = await alice.client.call('reaction/add', { ...ref, emoji: '👍' });
    expect(again.entry).toEqual(added.entry);
    await bob.client.call('reaction/add', { ...ref, emoji: '👍' });
    await carol.client.call('reaction/add', { ...ref, emoji: ':party_parrot:' });

    const page = await carol.client.call('message/history', { conversation_id: groupId });
    const message = page.messages.find((m: WireMessage) => m.seq === sent.seq);
    expect(message.reactions).toEqual([
      { emoji: '👍', count: 2, me: false },
      { emoji: ':party_parrot:', count: 1, me: true },
    ]);
    expect(page.messages.map((m: WireMessage) => m.kind ?? 'message')).toEqual(['message', 'reaction.added', 'reaction.added', 'reaction.added']);

    const removed = await alice.client.call('reaction/remove', { ...ref, emoji: '👍' });
    expect(removed.reactions).toEqual([
      { emoji: '👍', count: 1, me: false },
      { emoji: ':party_parrot:', count: 1, me: false },
    ]);
    expect(removed.entry).toMatchObject({ kind: 'reaction.removed', ref_seq: sent.seq, content: { emoji: '👍', user_id: alice.userId } });
    // Nothing left to take back: no entry.
    const twice = await alice.client.call('reaction/remove', { ...ref, emoji: '👍' });
    expect(twice.entry).toBeUndefined();
    expect((await alice.client.call('message/history', { conversation_id: groupId })).messages).toHaveLength(5);
  });

  it('accepts one emoji grapheme or a :shortcode:, nothing else', async () => {
    const [alice, bob] = [await newUser(app), await newUser(app)];
    const sent = await sendText(alice.client, bob.userId, 'react to me');
    const ref = { conversation_id: sent.conversation_id, seq: sent.seq };
    for (const emoji of ['👍🏽', '🇫🇷', '1️⃣']) {
      expect((await bob.client.request('reaction/add', { ...ref, emoji })).payload.status).toBe(200);
    }
    // The fourth distinct one needs a slot, so check the rest for validity only (400 before the limit).
    for (const emoji of ['hello', '👍👍', 'a', ':Bad Code:', '::', '', '\u0007', '👍 ']) {
      const res = await bob.client.request('reaction/add', { ...ref, emoji });
      expect(res.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    }
    expect((await bob.client.request('reaction/add', { ...ref, emoji: 'x'.repeat(100) })).payload.status).toBe(400);
  });

  it('bounds the distinct reactions per message; joining an existing one always works', async () => {
    const [alice, bob] = [await newUser(app), await newUser(app)];
    const sent = await sendText(alice.client, bob.userId, 'popular');
    const ref = { conversation_id: sent.conversation_id, seq: sent.seq };
    for (const emoji of ['👨‍👩‍👧', '🎉', ':ok:']) await bob.client.call('reaction/add', { ...ref, emoji });
    expect(await refusal(alice.client, 'reaction/add', { ...ref, emoji: '🔥' })).toEqual({ status: 409, code: 'LIMIT_REACHED' });
    const joined = await alice.client.call('reaction/add', { ...ref, emoji: '🎉' });
    expect(joined.reactions.find((r: { emoji: string }) => r.emoji === '🎉')).toEqual({ emoji: '🎉', count: 2, me: true });
  });

  it('a stranger gets the answer of an unknown conversation; no message at seq is 404; a recalled message loses its reactions', async () => {
    const [alice, bob, stranger] = [await newUser(app), await newUser(app), await newUser(app)];
    const groupId = await createGroup(alice, [bob.userId]);
    const sent = await alice.client.call('message/send', { target: { type: 'group', id: groupId }, content: text('members only') });
    const ref = { conversation_id: groupId, seq: sent.seq, emoji: '👍' };

    const unknown = await refusal(stranger.client, 'reaction/add', { ...ref, conversation_id: 'g-000000000000000000000000' });
    expect(unknown).toEqual({ status: 403, code: 'NOT_A_MEMBER' });
    expect(await refusal(stranger.client, 'reaction/add', ref)).toEqual(unknown);
    expect(await refusal(stranger.client, 'reaction/remove', ref)).toEqual(unknown);
    expect(await refusal(stranger.client, 'reaction/add', { ...ref, conversation_id: directId(alice.userId, bob.userId) })).toEqual(unknown);
    expect(await refusal(bob.client, 'reaction/add', { ...ref, seq: 99 })).toEqual({ status: 404, code: 'NOT_FOUND' });

    const reaction = await bob.client.call('reaction/add', ref);
    // An entry is not a message: it takes no reactions.
    expect(await refusal(bob.client, 'reaction/add', { ...ref, seq: reaction.entry.seq })).toEqual({ status: 404, code: 'NOT_FOUND' });

    await alice.client.call('message/recall', { conversation_id: groupId, seq: sent.seq });
    expect(await refusal(bob.client, 'reaction/add', { ...ref, emoji: '🎉' })).toEqual({ status: 409, code: 'MESSAGE_RECALLED' });
    const page = await bob.client.call('message/history', { conversation_id: groupId });
    expect(page.messages[0]).toMatchObject({ seq: sent.seq, content: { type: 'recalled' } });
    expect(page.messages[0].reactions).toBeUndefined();
  });

  it('a device offline during an edit, a recall and three reactions gets them after reconnecting, in seq order, once', async () => {
    const [alice, bob, carol] = [await newUser(app), await newUser(app), await newUser(app)];
    const groupId = await createGroup(alice, [bob.userId, carol.userId]);
    const group = { type: 'group', id: groupId };
    const first = await alice.client.call('message/send', { target: group, content: text('draft') });
    const second = await alice.client.call('message/send', { target: group, content: text('wrong chat') });
    await bob.client.call('message/ack', { conversation_id: groupId, seq: second.seq, state: 'delivered' });
    await bob.client.close();

    const changes: WireMessage[] = [];
    changes.push((await alice.client.call('message/edit', { conversation_id: groupId, seq: first.seq, content: text('final') })).entry);
    changes.push((await alice.client.call('message/recall', { conversation_id: groupId, seq: second.seq })).entry);
    changes.push((await carol.client.call('reaction/add', { conversation_id: groupId, seq: first.seq, emoji: '👍' })).entry);
    changes.push((await alice.client.call('reaction/add', { conversation_id: groupId, seq: first.seq, emoji: '🎉' })).entry);
    changes.push((await carol.client.call('reaction/add', { conversation_id: groupId, seq: first.seq, emoji: '🎉' })).entry);
    expect(changes.map((e) => e.seq)).toEqual([3, 4, 5, 6, 7]);

    // The raw offline batch: exactly these entries, in seq order.
    const raw = await app.connect({ timeoutMs: CLIENT_TIMEOUT_MS });
    await login(raw, bob.username, bob.password, 'laptop');
    const batch = await raw.waitFor((f) => f.command === 'message/offline');
    expect((batch.payload as any).messages).toEqual(changes);
    await raw.close();

    // The SDK (offline batch + live + sync): each change once, in order, under its own event too.
    const session = await SwitchboardSession.start({ port: app.tcpPort, username: bob.username, password: bob.password, requestTimeoutMs: CLIENT_TIMEOUT_MS });
    const entries: WireMessage[] = [];
    const named: string[] = [];
    session.on('edited', (e) => named.push(`edited:${e.seq}`));
    session.on('recalled', (e) => named.push(`recalled:${e.seq}`));
    session.on('reaction', (e) => named.push(`reaction:${e.seq}`));
    const allIn = new Promise<void>((resolve) =>
      session.on('entry', (e) => {
        if (e.conversation_id === groupId) entries.push(e);
        if (entries.length === changes.length) resolve();
      }),
    );
    try {
      await allIn;
      await session.stream.idle();
      expect(entries).toEqual(changes);
      expect(named).toEqual(['edited:3', 'recalled:4', 'reaction:5', 'reaction:6', 'reaction:7']);
      const page = await session.call('message/history', { conversation_id: groupId });
      expect(page.messages[0]).toMatchObject({ content: text('final'), edit_count: 1, reactions: [{ emoji: '🎉', count: 2, me: false }, { emoji: '👍', count: 1, me: false }] });
      expect(page.messages[1]).toMatchObject({ content: { type: 'recalled' }, recalled_by: alice.userId });
    } finally {
      await session.close();
    }
  });
});

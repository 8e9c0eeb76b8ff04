/**
 * Issue #18.5: a block must not be told apart from absence. When B blocks A, every command A
 * sends naming B answers word for word as for a user id (or name) nobody has, the way the
 * directory already did; and nothing of B reaches A (nor of A reaches B) through receipts in
 * their old direct conversation. Before the fix message/send and contact/request answered
 * 403 REFUSED (so 403 meant "you are blocked" next to user/profile's 404) and B's read receipt
 * still reached A.
 */
import { randomBytes } from 'node:crypto';
import type { Envelope } from '../../../src/shared/protocol';
import { startTestApp, TestApp } from '../../support/test-app';
import { befriend, refusal, uniquePrefix, user } from './contact-helpers';

const dm = (to: string, text: string) => ({ target: { type: 'user', id: to }, content: { type: 'text', text } });
const isReceipt = (conversationId: string) => (f: Envelope) => f.command === 'message/ack' && f.type === 'event' && (f.payload as any).conversation_id === conversationId;
const isMessage = (text: string) => (f: Envelope) => f.command === 'message/event' && (f.payload as any).message.content.text === text;

describe('#18.5 a block looks like absence, consistently across commands', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  /** Error payload with the named id/username replaced, to compare "blocker" with "nobody". */
  async function answer(client: any, command: string, payload: Record<string, unknown>, name: string) {
    const p = await refusal(client, command, payload);
    return { status: p.status, error_code: p.error_code, error_message: String(p.error_message).split(name).join('<X>') };
  }

  it('every command the blocked user sends naming the blocker answers as for a user nobody has', async () => {
    const p = uniquePrefix('abs');
    const alice = await user(app, `${p}_alice`);
    const bob = await user(app, `${p}_bob`);
    await befriend(alice, bob);
    await bob.client.call('contact/block', { user_id: alice.userId });
    const ghostId = `u-${randomBytes(8).toString('hex')}`;
    const ghostName = `${p}_nobody`;

    const cases: [string, (ref: string, byName: boolean) => Record<string, unknown>][] = [
      ['message/send', (ref) => dm(ref, 'hi')],
      // A file offered to the blocker: refused at file/request, as for a user nobody has.
      ['file/request', (ref) => ({ file_name: 'a.txt', file_size: 3, hash: `sha256:${'0'.repeat(64)}`, target: { type: 'user', id: ref } })],
      ['contact/request', (ref, byName) => (byName ? { username: ref } : { user_id: ref })],
      ['contact/accept', (ref, byName) => (byName ? { username: ref } : { user_id: ref })],
      ['contact/decline', (ref, byName) => (byName ? { username: ref } : { user_id: ref })],
      ['contact/remove', (ref, byName) => (byName ? { username: ref } : { user_id: ref })],
      ['contact/block', (ref, byName) => (byName ? { username: ref } : { user_id: ref })],
      ['contact/unblock', (ref, byName) => (byName ? { username: ref } : { user_id: ref })],
      ['user/profile', (ref, byName) => (byName ? { username: ref } : { user_id: ref })],
    ];
    for (const [command, payload] of cases) {
      const blocker = await answer(alice.client, command, payload(bob.userId, false), bob.userId);
      const nobody = await answer(alice.client, command, payload(ghostId, false), ghostId);
      expect({ command, ...blocker }).toEqual({ command, ...nobody });
      expect(blocker.status).toBe(404);
      if (command !== 'message/send' && command !== 'file/request') {
        const byName = await answer(alice.client, command, payload(`${p}_bob`, true), `${p}_bob`);
        expect({ command, ...byName }).toEqual({ command, ...(await answer(alice.client, command, payload(ghostName, true), ghostName)) });
      }
    }
    // Groups: the blocker is an unknown id to her (she cannot pull him into a new conversation).
    const created = await alice.client.call('group/create', { name: 'g', members: [] });
    for (const [command, payload] of [
      ['group/create', (id: string) => ({ name: 'g', members: [id] })],
      ['group/add', (id: string) => ({ conversation_id: created.conversation_id, members: [id] })],
    ] as const) {
      const blocker = await answer(alice.client, command, payload(bob.userId), bob.userId);
      expect({ command, ...blocker }).toEqual({ command, ...(await answer(alice.client, command, payload(ghostId), ghostId)) });
    }
    // The directory says the same.
    expect(await alice.client.call('user/lookup', { query: `${p}_bob` })).toEqual(await alice.client.call('user/lookup', { query: ghostName }));

    // The blocker knows: told plainly, and can still act on the user they blocked.
    const own = await refusal(bob.client, 'message/send', dm(alice.userId, 'hey'));
    expect(own).toMatchObject({ status: 403, error_code: 'REFUSED' });
    expect(own.error_message).toMatch(/you blocked/);
    const ownFile = await refusal(bob.client, 'file/request', { file_name: 'a.txt', file_size: 3, hash: `sha256:${'0'.repeat(64)}`, target: { type: 'user', id: alice.userId } });
    expect(ownFile).toMatchObject({ status: 403, error_code: 'REFUSED' });
    expect((await bob.client.call('contact/unblock', { user_id: alice.userId })).user.contact).toBe('none');
    expect((await alice.client.call('message/send', dm(bob.userId, 'back'))).status).toBe(200);
  });

  it('a pending request of the blocked user stays theirs to see and cancel; the blocker can lift the block, the blocked user cannot block back', async () => {
    const p = uniquePrefix('own');
    const carol = await user(app, `${p}_carol`);
    const dave = await user(app, `${p}_dave`);
    await carol.client.call('contact/request', { user_id: dave.userId });
    await dave.client.call('contact/block', { user_id: carol.userId });
    expect((await carol.client.call('contact/request', { user_id: dave.userId })).user.contact).toBe('outgoing');
    expect((await carol.client.call('contact/remove', { user_id: dave.userId })).user.contact).toBe('none');
    // Nothing of her own left: now dave is absent to her.
    expect(await refusal(carol.client, 'contact/request', { user_id: dave.userId })).toMatchObject({ status: 404, error_code: 'USER_NOT_FOUND' });

    // The blocked user cannot block back either: the blocker is absent to him.
    const erin = await user(app, `${p}_erin`);
    const frank = await user(app, `${p}_frank`);
    await erin.client.call('contact/block', { user_id: frank.userId });
    expect(await refusal(frank.client, 'contact/block', { user_id: erin.userId })).toMatchObject({ status: 404, error_code: 'USER_NOT_FOUND' });
    expect((await erin.client.call('contact/list', { state: 'blocked' })).contacts).toEqual([expect.objectContaining({ user_id: frank.userId })]);
    expect((await erin.client.call('contact/unblock', { user_id: frank.userId })).user.contact).toBe('none');
  });

  it('read receipts in the old direct conversation do not cross the block, either way', async () => {
    const p = uniquePrefix('rcp');
    const alice = await user(app, `${p}_alice`);
    const bob = await user(app, `${p}_bob`);
    const carol = await user(app, `${p}_carol`);
    const fromAlice = await alice.client.call('message/send', dm(bob.userId, 'one'));
    const conversation = fromAlice.conversation_id as string;
    // Without a block the receipt arrives (the assertions below can fail).
    await bob.client.call('message/ack', { conversation_id: conversation, seq: fromAlice.seq, state: 'delivered' });
    await alice.client.waitFor(isReceipt(conversation));
    const fromBob = await bob.client.call('message/send', dm(alice.userId, 'two'));
    const second = await alice.client.call('message/send', dm(bob.userId, 'three'));

    await bob.client.call('contact/block', { user_id: alice.userId });
    const before = { alice: alice.client.events.filter(isReceipt(conversation)).length, bob: bob.client.events.filter(isReceipt(conversation)).length };
    // The blocker reads the blocked user's message; the blocked user reads the blocker's.
    await bob.client.call('message/ack', { conversation_id: conversation, seq: second.seq, state: 'read' });
    await alice.client.call('message/ack', { conversation_id: conversation, seq: fromBob.seq, state: 'read' });
    // Sentinels: pushed after the receipts would have been, through the same bus and sockets.
    await carol.client.call('message/send', dm(alice.userId, `sentinel-${p}`));
    await carol.client.call('message/send', dm(bob.userId, `sentinel-${p}`));
    await alice.client.waitFor(isMessage(`sentinel-${p}`));
    await bob.client.waitFor(isMessage(`sentinel-${p}`));
    expect(alice.client.events.filter(isReceipt(conversation)).length).toBe(before.alice);
    expect(bob.client.events.filter(isReceipt(conversation)).length).toBe(before.bob);
  });
});

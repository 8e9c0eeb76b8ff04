/**
 * The message module's extension ports, used as another module would (through the module's
 * index.ts, on the running app): ConversationStream.append puts a module-defined entry in the
 * conversation's ordered stream — it takes the next seq, is pushed live as message/event with its
 * `kind`, comes back in history, in sync and in offline batches, and the SDK does not hand it out
 * as a message. MessageLookup finds an entry by (conversation, seq) or id only for someone who may
 * read it; everyone else gets the answer of an entry that does not exist.
 */
import { SwitchboardSession } from '../../../src/client/session';
import type { Envelope, WireMessage } from '../../../src/shared/protocol';
import { ConversationStream, MessageLookup } from '../../../src/modules/message';
import { login } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { CLIENT_TIMEOUT_MS, createGroup, directId, newUser, sendText, text } from './message-helpers';

jest.setTimeout(60_000);

const isOffline = (f: Envelope) => f.command === 'message/offline';

describe('message extension ports', () => {
  let app: TestApp;
  let stream: ConversationStream;
  let lookup: MessageLookup;

  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0' });
    stream = app.app.get(ConversationStream);
    lookup = app.app.get(MessageLookup);
  });
  afterAll(() => app?.close());

  it('an appended entry takes the next seq, is pushed with its kind and comes back through history and sync', async () => {
    const [alice, bob, carol] = [await newUser(app), await newUser(app), await newUser(app)];
    const groupId = await createGroup(alice, [bob.userId, carol.userId]);
    const first = await alice.client.call('message/send', { target: { type: 'group', id: groupId }, content: text('hello') });

    const pushed = bob.client.waitFor((f) => f.command === 'message/event' && (f.payload as any).message.kind === 'sample.marked');
    const appended = await stream.append({ conversationId: groupId, actorId: carol.userId, kind: 'sample.marked', data: { mark: 'star', seq: first.seq } });
    expect(appended.duplicate).toBe(false);
    expect(appended.entry).toMatchObject({ conversation_id: groupId, seq: (first.seq as number) + 1, sender_id: carol.userId, kind: 'sample.marked', content: { mark: 'star', seq: first.seq } });
    expect((await pushed).payload).toEqual({ status: 200, message: appended.entry });

    // The next message continues after it: one ordered stream.
    const after = await bob.client.call('message/send', { target: { type: 'group', id: groupId }, content: text('next') });
    expect(after.seq).toBe(appended.entry.seq + 1);

    const page = await bob.client.call('message/history', { conversation_id: groupId });
    expect(page.messages.map((m: WireMessage) => [m.seq, m.kind])).toEqual([
      [first.seq, undefined],
      [appended.entry.seq, 'sample.marked'],
      [after.seq, undefined],
    ]);
    expect(page.messages[1]).toEqual(appended.entry);
    const sync = await carol.client.call('message/history', {});
    expect(sync.messages.filter((m: WireMessage) => m.conversation_id === groupId).map((m: WireMessage) => m.seq)).toEqual([first.seq, appended.entry.seq, after.seq]);
  });

  it('the same idempotency key returns the entry stored first; outsiders and the broadcast conversation are refused', async () => {
    const [alice, bob, stranger] = [await newUser(app), await newUser(app), await newUser(app)];
    await sendText(alice.client, bob.userId, 'hi');
    const conversationId = directId(alice.userId, bob.userId);
    const once = await stream.append({ conversationId, actorId: bob.userId, kind: 'sample.marked', data: { n: 1 }, idempotencyKey: 'k1' });
    const twice = await stream.append({ conversationId, actorId: bob.userId, kind: 'sample.marked', data: { n: 1 }, idempotencyKey: 'k1' });
    expect(twice).toEqual({ entry: once.entry, duplicate: true });
    expect((await alice.client.call('message/history', { conversation_id: conversationId })).messages).toHaveLength(2);

    const refused = { code: 'NOT_A_MEMBER', status: 403 };
    await expect(stream.append({ conversationId, actorId: stranger.userId, kind: 'sample.marked', data: {} })).rejects.toMatchObject(refused);
    const groupId = await createGroup(alice, [bob.userId]);
    await expect(stream.append({ conversationId: groupId, actorId: stranger.userId, kind: 'sample.marked', data: {} })).rejects.toMatchObject(refused);
    await expect(stream.append({ conversationId: 'g-does-not-exist', actorId: alice.userId, kind: 'sample.marked', data: {} })).rejects.toMatchObject(refused);
    await expect(stream.append({ conversationId: 'broadcast', actorId: alice.userId, kind: 'sample.marked', data: {} })).rejects.toMatchObject(refused);
    // A module bug, not a client error: kinds are namespaced by the owning module.
    await expect(stream.append({ conversationId, actorId: bob.userId, kind: 'message', data: {} })).rejects.toThrow(/<module>\.<what>/);
  });

  it('an offline member gets the entry in the offline batch, and the SDK hands it out as an entry, not a message', async () => {
    const [alice, bob] = [await newUser(app), await newUser(app)];
    await sendText(alice.client, bob.userId, 'one');
    const conversationId = directId(alice.userId, bob.userId);
    await bob.client.close();
    const entry = (await stream.append({ conversationId, actorId: alice.userId, kind: 'sample.marked', data: { n: 2 } })).entry;
    await sendText(alice.client, bob.userId, 'three');

    const client = await app.connect({ timeoutMs: CLIENT_TIMEOUT_MS });
    await login(client, bob.username, bob.password, 'laptop');
    const batch = await client.waitFor(isOffline);
    expect((batch.payload as any).messages.map((m: WireMessage) => [m.seq, m.kind])).toEqual([
      [1, undefined],
      [2, 'sample.marked'],
      [3, undefined],
    ]);
    await client.close();

    const session = await SwitchboardSession.start({ port: app.tcpPort, username: bob.username, password: bob.password, requestTimeoutMs: CLIENT_TIMEOUT_MS });
    const messages: WireMessage[] = [];
    const entries: WireMessage[] = [];
    session.on('message', (m) => messages.push(m));
    const gotEntry = new Promise<void>((resolve) => session.on('entry', (m) => (entries.push(m), resolve())));
    try {
      await gotEntry;
      await session.stream.idle();
      // The entry's seq does not leave a gap: the message after it is delivered too.
      await new Promise<void>((resolve) => (messages.length >= 2 ? resolve() : session.on('message', () => messages.length >= 2 && resolve())));
      expect(messages.map((m) => m.seq)).toEqual([1, 3]);
      expect(entries).toEqual([entry]);
    } finally {
      await session.close();
    }
  });

  it('looks an entry up by (conversation, seq) or id for a reader; strangers and late joiners get NOT_FOUND', async () => {
    const [alice, bob, stranger, late] = [await newUser(app), await newUser(app), await newUser(app), await newUser(app)];
    const groupId = await createGroup(alice, [bob.userId]);
    const sent = await alice.client.call('message/send', { target: { type: 'group', id: groupId }, content: text('before carol') });
    const entry = (await stream.append({ conversationId: groupId, actorId: bob.userId, kind: 'sample.marked', data: {} })).entry;

    const bySeq = await lookup.find(bob.userId, { conversationId: groupId, seq: sent.seq as number });
    expect(bySeq).toMatchObject({ message_id: sent.message_id, seq: sent.seq, content: text('before carol') });
    expect(await lookup.find(alice.userId, { messageId: entry.message_id })).toEqual(entry);

    const notFound = { code: 'NOT_FOUND', status: 404 };
    await expect(lookup.find(stranger.userId, { messageId: entry.message_id })).rejects.toMatchObject(notFound);
    await expect(lookup.find(stranger.userId, { conversationId: groupId, seq: 1 })).rejects.toMatchObject(notFound);
    await expect(lookup.find(alice.userId, { conversationId: groupId, seq: 99 })).rejects.toMatchObject(notFound);
    await expect(lookup.find(alice.userId, { messageId: 'm-nothing' })).rejects.toMatchObject(notFound);
    // Joined after both (history visibility "joined"): they are not part of what `late` may read.
    await alice.client.call('group/add', { conversation_id: groupId, members: [late.userId] });
    await expect(lookup.find(late.userId, { messageId: sent.message_id as string })).rejects.toMatchObject(notFound);
    expect(await lookup.findOrNull(late.userId, { conversationId: groupId, seq: entry.seq })).toBeNull();
  });
});

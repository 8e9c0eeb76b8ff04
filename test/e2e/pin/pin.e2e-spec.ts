/**
 * Pins (the pin module, built on the message module's ports) over real sockets and a real
 * database: who may pin (group owner/admins, either party of a direct conversation), the
 * pin.added / pin.removed stream entries, pin/list, the per-conversation bound, and recall.
 */
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import type { Envelope, WireMessage } from '../../../src/shared/protocol';
import { startTestApp, TestApp } from '../../support/test-app';
import { createGroup, newUser, sendText, text } from '../message/message-helpers';

jest.setTimeout(60_000);

const entryOf = (kind: string) => (f: Envelope) => f.command === 'message/event' && (f.payload as any).message.kind === kind;

async function refusal(client: SwitchboardClient, command: string, payload: Record<string, unknown>) {
  const res = await client.request(command, payload);
  return { status: res.payload.status, code: res.payload.error_code };
}

describe('pins', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0', PIN_MAX_PER_CONVERSATION: '2' });
  });
  afterAll(() => app?.close());

  it('group owners and admins pin and unpin, members get the entries, everyone lists; plain members and strangers are refused', async () => {
    const [owner, admin, member, stranger] = [await newUser(app), await newUser(app), await newUser(app), await newUser(app)];
    const groupId = await createGroup(owner, [member.userId]);
    await owner.client.call('group/add', { conversation_id: groupId, members: [admin.userId], role: 'admin' });
    const group = { type: 'group', id: groupId };
    const first = await member.client.call('message/send', { target: group, content: text('the agenda') });
    const second = await member.client.call('message/send', { target: group, content: text('the minutes') });

    expect(await refusal(member.client, 'pin/add', { conversation_id: groupId, seq: first.seq })).toEqual({ status: 403, code: 'FORBIDDEN' });
    const unknown = await refusal(stranger.client, 'pin/add', { conversation_id: 'g-000000000000000000000000', seq: 1 });
    expect(unknown).toEqual({ status: 403, code: 'NOT_A_MEMBER' });
    expect(await refusal(stranger.client, 'pin/add', { conversation_id: groupId, seq: first.seq })).toEqual(unknown);
    expect(await refusal(stranger.client, 'pin/list', { conversation_id: groupId })).toEqual(unknown);
    expect(await refusal(owner.client, 'pin/add', { conversation_id: groupId, seq: 99 })).toEqual({ status: 404, code: 'NOT_FOUND' });

    const pushed = member.client.waitFor(entryOf('pin.added'));
    const pinned = await admin.client.call('pin/add', { conversation_id: groupId, seq: first.seq });
    expect(pinned).toMatchObject({ status: 200, pinned: true, entry: { kind: 'pin.added', ref_seq: first.seq, sender_id: admin.userId, content: { message_id: first.message_id, seq: first.seq, pinned_by: admin.userId } } });
    expect((await pushed).payload.message).toEqual(pinned.entry);
    // Pinning again changes nothing: the pinner's retry answers the same entry, anyone else's none.
    expect((await admin.client.call('pin/add', { conversation_id: groupId, seq: first.seq })).entry).toEqual(pinned.entry);
    expect(await owner.client.call('pin/add', { conversation_id: groupId, seq: first.seq })).toEqual({ status: 200, conversation_id: groupId, seq: first.seq, pinned: true });
    await owner.client.call('pin/add', { conversation_id: groupId, seq: second.seq });

    const list = await member.client.call('pin/list', { conversation_id: groupId });
    expect(list.pins.map((p: { seq: number }) => p.seq)).toEqual([second.seq, first.seq]);
    expect(list.pins[1]).toMatchObject({ message_id: first.message_id, pinned_by: admin.userId, message: { seq: first.seq, content: text('the agenda') } });

    // The bound (2 here): unpin one first.
    const third = await member.client.call('message/send', { target: group, content: text('more') });
    expect(await refusal(owner.client, 'pin/add', { conversation_id: groupId, seq: third.seq })).toEqual({ status: 409, code: 'LIMIT_REACHED' });
    expect(await refusal(member.client, 'pin/remove', { conversation_id: groupId, seq: first.seq })).toEqual({ status: 403, code: 'FORBIDDEN' });
    const unpinned = await owner.client.call('pin/remove', { conversation_id: groupId, seq: first.seq });
    expect(unpinned).toMatchObject({ pinned: false, entry: { kind: 'pin.removed', ref_seq: first.seq, content: { unpinned_by: owner.userId } } });
    expect((await owner.client.call('pin/remove', { conversation_id: groupId, seq: first.seq })).entry).toBeUndefined();
    await owner.client.call('pin/add', { conversation_id: groupId, seq: third.seq });

    const history = await member.client.call('message/history', { conversation_id: groupId });
    expect(history.messages.map((m: WireMessage) => m.kind ?? 'message')).toEqual(['message', 'message', 'pin.added', 'pin.added', 'message', 'pin.removed', 'pin.added']);
  });

  it('either party of a direct conversation pins; a recalled message is unpinned and cannot be pinned', async () => {
    const [alice, bob] = [await newUser(app), await newUser(app)];
    const sent = await sendText(alice.client, bob.userId, 'address: 1 Main St');
    const ref = { conversation_id: sent.conversation_id, seq: sent.seq };
    expect((await bob.client.call('pin/add', ref)).pinned).toBe(true);
    expect((await alice.client.call('pin/list', { conversation_id: sent.conversation_id })).pins).toHaveLength(1);

    await alice.client.call('message/recall', ref);
    expect((await bob.client.call('pin/list', { conversation_id: sent.conversation_id })).pins).toEqual([]);
    expect(await refusal(bob.client, 'pin/add', ref)).toEqual({ status: 409, code: 'MESSAGE_RECALLED' });
  });
});

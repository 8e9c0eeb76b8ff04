/**
 * Group membership as the message module sees it, over real TCP: a member's history starts
 * where they joined (unless the group shows all history), added members receive what is sent
 * after their join, and removed members lose sending, reading and live delivery.
 */
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { LoggedInUser, registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';

async function send(user: LoggedInUser, groupId: string, text: string) {
  return user.client.request('message/send', { conversation_id: groupId, target: { type: 'group', id: groupId }, content: { type: 'text', text } });
}

async function historySeqs(client: SwitchboardClient, groupId: string): Promise<number[]> {
  const page = await client.call('message/history', { conversation_id: groupId, limit: 100 });
  return (page.messages as { seq: number }[]).map((m) => m.seq).sort((a, b) => a - b);
}

function liveTexts(client: SwitchboardClient, groupId: string): string[] {
  return client.events.filter((f) => f.command === 'message/event' && (f.payload as any).message?.conversation_id === groupId).map((f) => (f.payload as any).message.content.text);
}

describe('group membership and messages', () => {
  let app: TestApp;
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  let carol: LoggedInUser;

  beforeAll(async () => {
    app = await startTestApp();
    [alice, bob, carol] = await Promise.all([0, 1, 2].map(() => registerAndLogin(app)));
  });
  afterAll(async () => {
    await app?.close();
  });

  it('a member added later reads history from their join on and receives what follows', async () => {
    const id = (await alice.client.call('group/create', { name: 'late', members: [bob.userId] })).conversation_id;
    for (const text of ['m1', 'm2']) expect((await send(bob, id, text)).payload.status).toBe(200);
    await alice.client.call('group/add', { conversation_id: id, members: [carol.userId] });
    expect(await historySeqs(carol.client, id)).toEqual([]);

    expect((await send(bob, id, 'm3')).payload.seq).toBe(3);
    await carol.client.waitFor((f) => f.command === 'message/event' && (f.payload as any).message?.seq === 3);
    expect(liveTexts(carol.client, id)).toEqual(['m3']);
    expect(await historySeqs(carol.client, id)).toEqual([3]);
    expect(await historySeqs(bob.client, id)).toEqual([1, 2, 3]);
  });

  it('with history_visibility "all" a late member reads the whole history', async () => {
    const id = (await alice.client.call('group/create', { name: 'open', members: [bob.userId], history_visibility: 'all' })).conversation_id;
    await send(bob, id, 'early');
    await alice.client.call('group/add', { conversation_id: id, members: [carol.userId] });
    expect(await historySeqs(carol.client, id)).toEqual([1]);
  });

  it('should not let a removed member send, read or receive messages of the group', async () => {
    const id = (await alice.client.call('group/create', { name: 'bye', members: [bob.userId, carol.userId] })).conversation_id;
    await send(alice, id, 'before');
    await alice.client.call('group/remove', { conversation_id: id, members: [carol.userId] });
    await carol.client.waitFor((f) => f.command === 'notification/event' && f.payload?.type === 'group.member_removed' && f.payload?.conversation_id === id);

    const sent = await send(carol, id, 'let me in');
    expect(sent.payload).toMatchObject({ status: 403, error_code: 'NOT_A_MEMBER' });
    const history = await carol.client.request('message/history', { conversation_id: id, limit: 10 });
    expect(history.payload).toMatchObject({ status: 403, error_code: 'NOT_A_MEMBER' });

    await send(alice, id, 'after');
    // Bob gets "after"; by then carol would have it too if she were still a recipient.
    await bob.client.waitFor((f) => f.command === 'message/event' && (f.payload as any).message?.conversation_id === id && (f.payload as any).message.content.text === 'after');
    expect(liveTexts(carol.client, id)).toEqual(['before']);

    // Added back, she starts again at the current end.
    await alice.client.call('group/add', { conversation_id: id, members: [carol.userId] });
    expect(await historySeqs(carol.client, id)).toEqual([]);
  });
});

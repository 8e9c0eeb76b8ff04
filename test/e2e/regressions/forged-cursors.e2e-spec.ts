/**
 * Regression (bug): cursors are checked for shape, and conversation cursors for their
 * conversation, but a forged position beyond the 32-bit `seq` column (e.g. 2^40, still a safe
 * integer) reached PostgreSQL as a query parameter and failed there: 500 on PostgreSQL while
 * SQLite answered. Such cursors are now 400 INVALID_CURSOR on both engines. Also: forged cursors
 * never reveal another conversation's messages.
 */
import { encodeConversationCursor, encodeSyncCursor } from '../../../src/modules/message/cursor';
import { startTestApp, TestApp } from '../../support/test-app';
import { directId, newUser, sendText } from '../message/message-helpers';

describe('regression: forged history cursors', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers cursor positions beyond the seq range with 400 INVALID_CURSOR, never a 500', async () => {
    const alice = await newUser(app);
    const bob = await newUser(app);
    const conv = directId(alice.userId, bob.userId);
    await sendText(alice.client, bob.userId, 'hello');
    for (const seq of [2 ** 31, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      for (const direction of ['before', 'since'] as const) {
        const cursor = encodeConversationCursor({ conversationId: conv, direction, seq });
        const page = await alice.client.request('message/history', { conversation_id: conv, [direction]: cursor });
        expect(page.payload).toMatchObject({ status: 400, error_code: 'INVALID_CURSOR' });
      }
      const sync = await alice.client.request('message/history', { since: encodeSyncCursor({ [conv]: seq }) });
      expect(sync.payload).toMatchObject({ status: 400, error_code: 'INVALID_CURSOR' });
    }
    // The largest valid position still works.
    const edge = await alice.client.call('message/history', { conversation_id: conv, before: encodeConversationCursor({ conversationId: conv, direction: 'before', seq: 2 ** 31 - 1 }) });
    expect(edge.messages.map((m: any) => m.content.text)).toEqual(['hello']);
  });

  it("should not reveal another user's conversation through a forged sync cursor", async () => {
    const alice = await newUser(app);
    const bob = await newUser(app);
    const mallory = await newUser(app);
    const conv = directId(alice.userId, bob.userId);
    await sendText(alice.client, bob.userId, 'secret');
    const sync = await mallory.client.call('message/history', { since: encodeSyncCursor({ [conv]: 0 }) });
    expect(sync.messages.filter((m: any) => m.conversation_id === conv)).toEqual([]);
    const forged = await mallory.client.request('message/history', { conversation_id: conv, since: encodeConversationCursor({ conversationId: conv, direction: 'since', seq: 0 }) });
    expect(forged.payload).toMatchObject({ status: 403, error_code: 'NOT_A_MEMBER' });
  });
});

describe('regression: forged list cursors carrying NUL', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  // bug: the payload's NUL check sees only the base64url cursor; the decoded sort key with a
  // NUL went into the SQL query and PostgreSQL refused it (500 on PG only).
  const b64 = (doc: unknown) => Buffer.from(JSON.stringify(doc), 'utf8').toString('base64url');

  it('answers a group/list cursor whose id holds NUL with 400 INVALID_CURSOR', async () => {
    const alice = await newUser(app);
    const response = await alice.client.request('group/list', { cursor: b64({ v: 1, k: 'gl', a: Date.now(), i: 'g-\u0000x' }) });
    expect(response.payload).toMatchObject({ status: 400, error_code: 'INVALID_CURSOR' });
  });

  it('answers a presence/list cursor whose user id holds NUL with 400 INVALID_CURSOR', async () => {
    const alice = await newUser(app);
    const response = await alice.client.request('presence/list', { cursor: b64({ v: 1, a: 'u-\u0000x' }) });
    expect(response.payload).toMatchObject({ status: 400, error_code: 'INVALID_CURSOR' });
  });
});

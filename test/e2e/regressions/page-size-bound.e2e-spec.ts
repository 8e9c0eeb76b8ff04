/**
 * Regression (bug): history pages, sync pages and offline batches were bounded only by message
 * count (100), not by size. 100 messages of 8,000 CJK characters are ~2.4 MB, so a page or batch
 * exceeded the 1 MiB MAX_FRAME_BYTES that docs/protocol.md tells clients to enforce as well: a
 * conforming client could never read its history or finish its offline delivery (offered again
 * at every login), and one member could do that to a whole group. Pages and batches are now also
 * cut by size (has_more says so), and one message may be at most 256 KiB of JSON.
 */
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame, type Envelope } from '../../../src/shared/protocol';
import { encodeConversationCursor } from '../../../src/modules/message/cursor';
import { login } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { CLIENT_TIMEOUT_MS, directId, newUser, range, seqs } from '../message/message-helpers';

jest.setTimeout(120_000);

const N = 60;
const big = (i: number) => ({ type: 'text', text: `${i}:` + '汉'.repeat(7990) });

describe('regression: frames carrying many messages stay under MAX_FRAME_BYTES', () => {
  let app: TestApp;
  const strict: SwitchboardClient[] = [];
  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0' });
  });
  afterAll(async () => {
    await Promise.all(strict.map((c) => c.close().catch(() => undefined)));
    await app.close();
  });

  /** A client that, like the server, refuses any frame over the default 1 MiB. */
  async function strictClient(): Promise<SwitchboardClient> {
    const client = await SwitchboardClient.connect({ port: app.tcpPort, maxFrameBytes: DEFAULT_MAX_FRAME_BYTES, timeoutMs: CLIENT_TIMEOUT_MS });
    strict.push(client);
    return client;
  }

  const frameBytes = (frame: Envelope) => Buffer.byteLength(encodeFrame(frame), 'utf8');

  it('should not send a history page, sync page or offline batch larger than the frame limit', async () => {
    const alice = await newUser(app);
    const bob = await newUser(app);
    await bob.client.close();
    const conv = directId(alice.userId, bob.userId);
    const sent = await Promise.all(range(1, N).map((i) => alice.client.call('message/send', { target: { type: 'user', id: bob.userId }, content: big(i) })));
    expect(sent.map((s) => s.seq)).toEqual(range(1, N));

    // Offline delivery on login: several batches, each under the limit, all 60 in order.
    const client = await strictClient();
    await login(client, bob.username, bob.password);
    const offline: any[] = [];
    for (;;) {
      const batch = await client.waitFor((f) => f.command === 'message/offline' && !offline.includes(f));
      offline.push(batch);
      expect(frameBytes(batch)).toBeLessThanOrEqual(DEFAULT_MAX_FRAME_BYTES);
      const last = batch.payload.messages[batch.payload.messages.length - 1];
      await client.call('message/ack', { conversation_id: conv, seq: last.seq, state: 'delivered' });
      if (!batch.payload.has_more) break;
    }
    expect(offline.length).toBeGreaterThan(1);
    expect(seqs(offline.flatMap((b) => b.payload.messages))).toEqual(range(1, N));

    // History backwards with the maximum limit: size-cut pages, no gaps, no duplicates.
    const back: any[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await client.request('message/history', { conversation_id: conv, limit: 100, ...(before ? { before } : {}) });
      expect(page.payload.status).toBe(200);
      expect(frameBytes(page)).toBeLessThanOrEqual(DEFAULT_MAX_FRAME_BYTES);
      back.unshift(...page.payload.messages);
      if (!page.payload.has_more) break;
      before = page.payload.next_cursor;
    }
    expect(seqs(back)).toEqual(range(1, N));

    // Forwards from the start, and the sync across conversations.
    const forward: any[] = [];
    let since = encodeConversationCursor({ conversationId: conv, direction: 'since', seq: 0 });
    for (;;) {
      const page = await client.request('message/history', { conversation_id: conv, limit: 100, since });
      expect(frameBytes(page)).toBeLessThanOrEqual(DEFAULT_MAX_FRAME_BYTES);
      forward.push(...page.payload.messages);
      since = page.payload.next_cursor;
      if (!page.payload.has_more) break;
    }
    expect(seqs(forward)).toEqual(range(1, N));

    const synced: any[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await client.request('message/history', { limit: 100, ...(cursor ? { since: cursor } : {}) });
      expect(frameBytes(page)).toBeLessThanOrEqual(DEFAULT_MAX_FRAME_BYTES);
      synced.push(...page.payload.messages);
      cursor = page.payload.next_cursor;
      if (!page.payload.has_more) break;
    }
    expect(seqs(synced.filter((m) => m.conversation_id === conv))).toEqual(range(1, N));
    expect(client.isOpen).toBe(true);
  });

  it('refuses a message over 256 KiB of JSON with 400 naming the largest field', async () => {
    const alice = await newUser(app);
    const bob = await newUser(app);
    const response = await alice.client.request('message/send', { target: { type: 'user', id: bob.userId }, content: { type: 'text', text: 'hi' }, meta: { blob: 'x'.repeat(300_000) } });
    expect(response.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(response.payload.error_message).toContain('meta');
    expect(response.payload.error_message).toContain('262144');
  });
});

/**
 * Delivery guarantee regression: sends whose connection died before the responses arrived
 * (pipelined, socket destroyed right after writing) and that the client then retries with the
 * same request ids, on two new connections of the same user at once, are stored exactly once,
 * gap-free, and delivered live to the recipient once each.
 */
import { encodeFrame } from '../../../src/shared/protocol';
import { startTestApp, TestApp } from '../../support/test-app';
import { CLIENT_TIMEOUT_MS, directId, isMessageEvent, liveMessages, newUser, range, secondDevice, seqs, text } from '../message/message-helpers';

jest.setTimeout(120_000);

describe('regression: retries after a dead connection', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('should not lose or duplicate a send retried after its connection died, even when retried on two connections at once', async () => {
    const alice = await newUser(app);
    const bob = await newUser(app);
    const conv = directId(alice.userId, bob.userId);
    const N = 30;
    const ids = range(1, N).map((i) => `dead-${i}-${alice.userId}`);
    const payload = (i: number) => ({ target: { type: 'user', id: bob.userId }, content: text(`m${i}`) });

    // Pipeline every send in one write, then kill the socket before any answer can be read.
    const doomed = await secondDevice(app, alice, 'doomed');
    doomed.writeRaw(ids.map((id, i) => encodeFrame(doomed.envelope('message/send', payload(i + 1), {}, id))).join(''));
    doomed.destroy();
    await doomed.closed.catch(() => undefined);

    // Retry everything on two fresh devices at the same time.
    const [a, b] = [await secondDevice(app, alice, 'retry-a'), await secondDevice(app, alice, 'retry-b')];
    const [ra, rb] = await Promise.all([a, b].map((c) => Promise.all(ids.map((id, i) => c.call('message/send', payload(i + 1), { id })))));
    for (let i = 0; i < N; i++) {
      expect(ra[i].message_id).toBe(rb[i].message_id);
      expect(ra[i].seq).toBe(rb[i].seq);
    }
    // One row per send, gap-free, each text once.
    const history = await bob.client.call('message/history', { conversation_id: conv, limit: 100 });
    expect(history.messages).toHaveLength(N);
    expect(seqs(history.messages)).toEqual(range(1, N));
    expect(history.messages.map((m: any) => m.content.text).sort()).toEqual(range(1, N).map((i) => `m${i}`).sort());
    expect(new Set(ra.map((r) => r.message_id))).toEqual(new Set(history.messages.map((m: any) => m.message_id)));

    // Bob got each message live exactly once.
    await bob.client.waitForCount(isMessageEvent(conv), N, CLIENT_TIMEOUT_MS);
    await bob.client.call('control/ping');
    const live = liveMessages(bob.client, conv).map((m) => m.message_id);
    expect(live).toHaveLength(N);
    expect(new Set(live).size).toBe(N);
  });
});

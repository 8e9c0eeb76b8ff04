/**
 * Regression: a request command (e.g. message/send) sent with `type: "event"` ran its handler
 * and answered nothing, so a message could be stored silently and failures went unseen. Such
 * frames are now refused with 400 INVALID_ENVELOPE on the same id, and nothing runs; event
 * commands (presence/heartbeat) and message/ack (marked `acceptsEvents`) keep working as events.
 */
import { encodeFrame } from '../../../src/shared/protocol';
import { registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';

describe('request commands sent as events', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('refuses message/send as an event, stores nothing, and keeps the connection', async () => {
    const alice = await registerAndLogin(app);
    const bob = await registerAndLogin(app);
    const frame = alice.client.envelope('message/send', {
      target: { type: 'user', id: bob.userId },
      content: { type: 'text', text: 'sent as an event' },
    }, {}, 'as-event-1');
    frame.type = 'event';
    alice.client.writeRaw(encodeFrame(frame));
    const refused = await alice.client.waitFor((f) => f.id === 'as-event-1');
    expect(refused).toMatchObject({ type: 'response', command: 'message/send' });
    expect(refused.payload).toMatchObject({ status: 400, error_code: 'INVALID_ENVELOPE' });
    expect(refused.payload.error_message).toMatch(/send it with "type": "request"/);

    // Nothing was stored: a real send is seq 1 of the conversation.
    const sent = await alice.client.call('message/send', {
      target: { type: 'user', id: bob.userId },
      content: { type: 'text', text: 'a real request' },
    });
    expect(sent.seq).toBe(1);
  });

  it('still accepts message/ack as a fire-and-forget event: no response, the receipt reaches the sender', async () => {
    const alice = await registerAndLogin(app);
    const bob = await registerAndLogin(app);
    const sent = await alice.client.call('message/send', {
      target: { type: 'user', id: bob.userId },
      content: { type: 'text', text: 'ack me' },
    });
    bob.client.sendEvent('message/ack', { conversation_id: sent.conversation_id, seq: sent.seq, state: 'read' });
    const receipt = await alice.client.waitFor((f) => f.command === 'message/ack' && f.type === 'event');
    expect(receipt.payload).toMatchObject({ conversation_id: sent.conversation_id, seq: sent.seq, state: 'read', by: bob.userId });
    expect(bob.client.events.filter((f) => f.type === 'response')).toEqual([]);
  });

  it('still accepts presence/heartbeat as an event (echoed, no error)', async () => {
    const client = await app.connect();
    client.sendEvent('presence/heartbeat', { seq: 7 });
    const echo = await client.waitFor((f) => f.command === 'presence/heartbeat');
    expect(echo.payload.seq).toBe(7);
    expect(client.events.filter((f) => f.type === 'response')).toEqual([]);
  });
});

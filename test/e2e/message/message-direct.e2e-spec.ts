/**
 * message/send between two users over real TCP: live push to every device, validation,
 * idempotent retries, ordering of pipelined sends, receipts and "not someone else's" checks.
 */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MessageEntity } from '../../../src/modules/message/entities/message.entity';
import { LoggedInUser } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { directId, isMessageEvent, liveMessages, newUser, range, secondDevice, sendText, seqs, text } from './message-helpers';

// Every send waits for its commit: generous limits for loaded CI databases (see CLIENT_TIMEOUT_MS).
jest.setTimeout(120_000);

describe('message/send between two users', () => {
  let app: TestApp;
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  let mallory: LoggedInUser;
  let conv: string;

  beforeAll(async () => {
    app = await startTestApp({ MESSAGE_MAX_TEXT: '50', MESSAGE_MAX_ATTACHMENTS: '2', MESSAGE_RECEIPT_WINDOW_MS: '50', RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0' });
    alice = await newUser(app, { device: 'laptop' });
    bob = await newUser(app, { device: 'laptop' });
    mallory = await newUser(app);
    conv = directId(alice.userId, bob.userId);
  });
  afterAll(async () => {
    await app.close();
  });

  it('delivers the draft example payload live to every device of Bob and to Alice\'s other device, not to the sending connection', async () => {
    const bobPhone = await secondDevice(app, bob, 'phone');
    const alicePhone = await secondDevice(app, alice, 'phone');
    const first = await sendText(alice.client, bob.userId, 'first');
    expect(first).toMatchObject({ status: 200, conversation_id: conv, seq: 1 });

    // The draft's send example (§2.3), with a real reply_to and the derived conversation id.
    // Its attachment (f-abc123) names no uploaded file: attachments must name files the sender
    // may share (file module), so that one is refused and the example is sent without it.
    const fabricated = await alice.client.request('message/send', {
      target: { type: 'user', id: bob.userId },
      content: { type: 'text', text: 'Hello world!' },
      attachments: [{ file_id: 'f-abc123', name: 'image.png', size: 2048 }],
    });
    expect(fabricated.payload).toMatchObject({ status: 403, error_code: 'FORBIDDEN' });
    expect(fabricated.payload.error_message).toContain('file f-abc123 does not exist or you may not share it');
    const id = `msg-${randomUUID()}`;
    const response = await alice.client.request(
      'message/send',
      {
        conversation_id: conv,
        target: { type: 'user', id: bob.userId },
        content: { type: 'text', text: 'Hello world!' },
        meta: { reply_to: first.message_id, priority: 'normal' },
      },
      { id },
    );
    expect(response.id).toBe(id);
    const sent = response.payload;
    expect(sent).toMatchObject({ status: 200, conversation_id: conv, seq: 2 });
    expect(sent.message_id).toMatch(/^m-[0-9A-Z]{26}$/);
    expect(sent.message_id > first.message_id).toBe(true); // time-sortable
    expect(Math.abs(sent.sent_at - Date.now() / 1000)).toBeLessThan(5);

    const expected = {
      status: 200,
      message: {
        message_id: sent.message_id,
        conversation_id: conv,
        seq: 2,
        sender_id: alice.userId,
        sent_at: sent.sent_at,
        content: { type: 'text', text: 'Hello world!' },
        attachments: [],
        meta: { reply_to: first.message_id, priority: 'normal' },
      },
    };
    const isSecond = (f: any) => f.command === 'message/event' && f.payload.message.seq === 2;
    for (const device of [bob.client, bobPhone, alicePhone]) {
      const event = await device.waitFor(isSecond);
      expect(event.type).toBe('event');
      expect(event.payload).toMatchObject(expected);
    }
    // The sending connection has the response; it gets no echo.
    const ping = await alice.client.call('control/ping');
    expect(ping.status).toBe(200);
    expect(liveMessages(alice.client, conv)).toEqual([]);
    // Mallory is not in the conversation and hears nothing.
    expect(mallory.client.events.filter(isMessageEvent())).toEqual([]);
  });

  it('derives the direct conversation id and rejects a spoofed one naming the expected id', async () => {
    const spoof = await mallory.client.request('message/send', { conversation_id: conv, target: { type: 'user', id: bob.userId }, content: text('hi') });
    const expectedId = directId(mallory.userId, bob.userId);
    expect(spoof.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(spoof.payload.error_message).toContain('conversation_id');
    expect(spoof.payload.error_message).toContain(expectedId);
    const draftRoom = await alice.client.request('message/send', { conversation_id: 'room-001', target: { type: 'user', id: bob.userId }, content: text('hi') });
    expect(draftRoom.payload.status).toBe(400);
    expect(draftRoom.payload.error_message).toContain(conv);
  });

  it('answers bad input with 400/403/404 naming what to fix', async () => {
    const send = (payload: Record<string, unknown>) => alice.client.request('message/send', payload).then((r) => r.payload);
    const to = { type: 'user', id: bob.userId };

    const unknownType = await send({ target: to, content: { type: 'hologram', text: 'x' } });
    expect(unknownType).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(unknownType.error_message).toContain('content.type "hologram" is not supported');

    const emptyText = await send({ target: to, content: { type: 'text' } });
    expect(emptyText.error_message).toContain('content.text');

    const long = await send({ target: to, content: text('x'.repeat(51)) });
    expect(long).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(long.error_message).toContain('content.text');
    expect(long.error_message).toContain('50');

    const attachments = await send({ target: to, content: text('x'), attachments: [{ file_id: 'a' }, { file_id: 'b' }, { file_id: 'c' }] });
    expect(attachments.status).toBe(400);
    expect(attachments.error_message).toContain('attachments');

    const badAttachment = await send({ target: to, content: text('x'), attachments: [{ name: 'no id' }] });
    expect(badAttachment.error_message).toContain('attachments[0].file_id');

    const priority = await send({ target: to, content: text('x'), meta: { priority: 'urgent' } });
    expect(priority.status).toBe(400);
    expect(priority.error_message).toContain('meta.priority must be one of low, normal, high');

    const targetType = await send({ target: { type: 'channel', id: 'x' }, content: text('x') });
    expect(targetType.error_message).toContain('target.type');

    const noTarget = await send({ content: text('x') });
    expect(noTarget.error_message).toContain('target');

    const unknownUser = await send({ target: { type: 'user', id: 'u-doesnotexist' }, content: text('x') });
    expect(unknownUser).toMatchObject({ status: 404, error_code: 'USER_NOT_FOUND' });

    const self = await send({ target: { type: 'user', id: alice.userId }, content: text('x') });
    expect(self.status).toBe(400);

    // reply_to must be a message of the same conversation.
    const elsewhere = await sendText(mallory.client, bob.userId, 'mallory to bob');
    const foreignReply = await send({ target: to, content: text('x'), meta: { reply_to: elsewhere.message_id } });
    expect(foreignReply).toMatchObject({ status: 404, error_code: 'NOT_FOUND' });
    expect(foreignReply.error_message).toContain('meta.reply_to');

    const broadcast = await send({ target: { type: 'broadcast' }, content: text('x') });
    expect(broadcast).toMatchObject({ status: 403, error_code: 'FORBIDDEN' });
  });

  it('answers a retry with the original message and delivers it once; a reused id with other content is 409', async () => {
    const id = `retry-${randomUUID()}`;
    const payload = { target: { type: 'user', id: bob.userId }, content: text('only once'), meta: { priority: 'low' } };
    const first = await alice.client.request('message/send', payload, { id });
    // Same request, keys in another order and now naming the (derived) conversation: still the same message.
    const again = await alice.client.request('message/send', { meta: { priority: 'low' }, content: { text: 'only once', type: 'text' }, target: payload.target, conversation_id: conv }, { id });
    expect(first.payload.status).toBe(200);
    expect(again.payload).toMatchObject({ status: 200, message_id: first.payload.message_id, seq: first.payload.seq, sent_at: first.payload.sent_at, duplicate: true });

    const conflict = await alice.client.request('message/send', { ...payload, content: text('something else') }, { id });
    expect(conflict.payload).toMatchObject({ status: 409, error_code: 'IDEMPOTENCY_CONFLICT', message_id: first.payload.message_id });

    // Another user may use the same request id: keys are per sender.
    const bobSame = await bob.client.request('message/send', { target: { type: 'user', id: alice.userId }, content: text('bob reuses the id') }, { id });
    expect(bobSame.payload.status).toBe(200);
    expect(bobSame.payload.message_id).not.toBe(first.payload.message_id);

    // Bob got exactly one live copy; storage holds one row.
    await bob.client.waitFor((f) => f.command === 'message/event' && (f.payload as any).message.message_id === first.payload.message_id);
    await bob.client.call('control/ping');
    expect(liveMessages(bob.client, conv).filter((m) => m.message_id === first.payload.message_id)).toHaveLength(1);
    const history = await bob.client.call('message/history', { conversation_id: conv, limit: 100 });
    expect(history.messages.filter((m: any) => m.content.text === 'only once')).toHaveLength(1);
  });

  it('frees a request id once its dedup window (MESSAGE_DEDUP_TTL_S) has passed', async () => {
    const id = `old-${randomUUID()}`;
    const first = await alice.client.call('message/send', { target: { type: 'user', id: bob.userId }, content: text('long ago') }, { id });
    // Age the stored message past the 24 h window instead of waiting a day.
    await app.app.get(DataSource).getRepository(MessageEntity).update({ id: first.message_id }, { sentAt: Date.now() - 25 * 3600 * 1000 });
    const reused = await alice.client.call('message/send', { target: { type: 'user', id: bob.userId }, content: text('a new message') }, { id });
    expect(reused.duplicate).toBeUndefined();
    expect(reused.message_id).not.toBe(first.message_id);
    expect(reused.seq).toBeGreaterThan(first.seq);
    // Within the new window the id again means the new message.
    const retry = await alice.client.call('message/send', { target: { type: 'user', id: bob.userId }, content: text('a new message') }, { id });
    expect(retry).toMatchObject({ message_id: reused.message_id, duplicate: true });
    const history = await alice.client.call('message/history', { conversation_id: conv, limit: 100 });
    expect(history.messages.map((m: any) => m.message_id)).toEqual(expect.arrayContaining([first.message_id, reused.message_id]));
  });

  it('stores identical concurrent sends once, also amid other concurrent sends into the conversation', async () => {
    const id = `race-${randomUUID()}`;
    const payload = { target: { type: 'user', id: bob.userId }, content: text('racing') };
    const devices = [alice.client, await secondDevice(app, alice, 'tablet'), await secondDevice(app, alice, 'watch')];
    const bobDevices = await Promise.all(range(1, 4).map((i) => secondDevice(app, bob, `bob-${i}`)));
    const before = ((await alice.client.call('message/history', { conversation_id: conv, limit: 1 })).messages[0]?.seq as number | undefined) ?? 0;
    // Everything at once: three copies of one send, and four unrelated sends by Bob (so the
    // copies can land in the same write batch as other messages).
    const [copies, others] = await Promise.all([
      Promise.all(devices.map((d) => d.request('message/send', payload, { id }))),
      Promise.all(bobDevices.map((d, i) => d.call('message/send', { target: { type: 'user', id: alice.userId }, content: text(`bob-${i}`) }))),
    ]);
    for (const copy of copies) expect(copy.payload).toMatchObject({ status: 200, message_id: copies[0].payload.message_id, seq: copies[0].payload.seq });
    expect(copies.filter((c) => c.payload.duplicate === true)).toHaveLength(2);
    const stored = [copies[0].payload.seq, ...others.map((o) => o.seq)].sort((a, b) => a - b);
    expect(stored).toEqual(range(before + 1, before + 5));
    const history = await alice.client.call('message/history', { conversation_id: conv, limit: 100 });
    expect(history.messages.filter((m: any) => m.content.text === 'racing')).toHaveLength(1);
    expect(seqs(history.messages)).toEqual(range(1, history.messages.length));
  });

  it('keeps the order of 200 sends pipelined on one connection', async () => {
    const carol = await newUser(app);
    const dave = await newUser(app);
    const pipeline = range(1, 200).map((i) => sendText(carol.client, dave.userId, `n${i}`));
    const responses = await Promise.all(pipeline);
    expect(responses.map((r) => r.seq)).toEqual(range(1, 200));
    const received = (await dave.client.waitForCount(isMessageEvent(), 200)).map((f) => f.payload.message);
    expect(received.map((m) => m.content.text)).toEqual(range(1, 200).map((i) => `n${i}`));
    expect(seqs(received)).toEqual(range(1, 200));
  });

  it('sends receipts to the sender: delivered, then read, cumulative and never backwards', async () => {
    const erin = await newUser(app);
    const frank = await newUser(app);
    const c = directId(erin.userId, frank.userId);
    const sent = [];
    for (let i = 1; i <= 3; i++) sent.push(await sendText(erin.client, frank.userId, `r${i}`));

    const delivered = await frank.client.call('message/ack', { conversation_id: c, seq: 3, state: 'delivered' });
    expect(delivered).toMatchObject({ status: 200, conversation_id: c, delivered_seq: 3, read_seq: 0 });
    const deliveredEvent = await erin.client.waitFor((f) => f.command === 'message/ack' && f.payload.state === 'delivered');
    expect(deliveredEvent.payload).toEqual({ status: 200, conversation_id: c, message_id: sent[2].message_id, seq: 3, state: 'delivered', by: frank.userId });

    const read = await frank.client.call('message/ack', { conversation_id: c, seq: 2, state: 'read' });
    expect(read).toMatchObject({ delivered_seq: 3, read_seq: 2 });
    const readEvent = await erin.client.waitFor((f) => f.command === 'message/ack' && f.payload.state === 'read');
    expect(readEvent.payload).toMatchObject({ message_id: sent[1].message_id, seq: 2, by: frank.userId });

    // Going backwards changes nothing and sends nothing.
    const back = await frank.client.call('message/ack', { conversation_id: c, seq: 1, state: 'read' });
    expect(back).toMatchObject({ delivered_seq: 3, read_seq: 2 });
    await erin.client.call('control/ping');
    expect(erin.client.events.filter((f) => f.command === 'message/ack')).toHaveLength(2);

    const beyond = await frank.client.request('message/ack', { conversation_id: c, seq: 4, state: 'read' });
    expect(beyond.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(beyond.payload.error_message).toContain('at most 3');

    const badState = await frank.client.request('message/ack', { conversation_id: c, seq: 1, state: 'seen' });
    expect(badState.payload.error_message).toContain('state must be one of delivered, read');
  });

  it('should not let a user read, ack or write into the conversation of another pair', async () => {
    const history = await mallory.client.request('message/history', { conversation_id: conv });
    expect(history.payload).toMatchObject({ status: 403, error_code: 'NOT_A_MEMBER' });
    const ack = await mallory.client.request('message/ack', { conversation_id: conv, seq: 1, state: 'read' });
    expect(ack.payload).toMatchObject({ status: 403, error_code: 'NOT_A_MEMBER' });
    const asGroup = await mallory.client.request('message/send', { target: { type: 'group', id: conv }, content: text('sneak') });
    expect(asGroup.payload).toMatchObject({ status: 403, error_code: 'NOT_A_MEMBER' });
    // Alice and Bob's history is unchanged by all this.
    const aliceView = await alice.client.call('message/history', { conversation_id: conv, limit: 100 });
    expect(aliceView.messages.every((m: any) => m.sender_id !== mallory.userId)).toBe(true);
  });

  it('needs a logged-in connection', async () => {
    const anonymous = await app.connect();
    const response = await anonymous.request('message/send', { target: { type: 'user', id: bob.userId }, content: text('x') });
    expect(response.payload).toMatchObject({ status: 401, error_code: 'TOKEN_MISSING' });
  });
});

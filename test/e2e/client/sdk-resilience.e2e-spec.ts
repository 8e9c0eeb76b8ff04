/**
 * The SDK (SwitchboardSession) against the real server over real TCP: a connection destroyed by
 * the server mid-stream, a lost answer (retried with the same id, stored once), a non-retryable
 * error (not retried), and the typed, resumable message stream.
 */
import { SwitchboardSession } from '../../../src/client/session';
import { SwitchboardServer } from '../../../src/transport';
import { ConnectionRegistry } from '../../../src/transport/connection-registry';
import type { TransportPlugin } from '../../../src/transport/transport-plugin';
import { registerAndLogin, registerUser } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { FAST, Inbox, next } from './sdk-helpers';

describe('SDK session against the real server (real TCP)', () => {
  let app: TestApp;
  /** Inbound message/send request ids, in arrival order (server side). */
  const sendIds: string[] = [];
  /** Request ids whose first answer the server "loses" by destroying the socket instead. */
  const loseAnswerOf = new Set<string>();
  const plugin: TransportPlugin = {
    name: 'test-lossy-answers',
    order: 150,
    onInbound: (_conn, envelope, command) => {
      if (command === 'message/send') sendIds.push(envelope.id);
    },
    onOutbound: (conn, frame) => {
      if (frame.type === 'response' && loseAnswerOf.delete(frame.id)) conn.socket.destroy();
    },
  };

  beforeAll(async () => {
    app = await startTestApp();
    app.app.get(SwitchboardServer).use(plugin);
  });
  afterAll(async () => {
    await app.close();
  });

  async function session(extra: Record<string, unknown> = {}): Promise<{ s: SwitchboardSession; userId: string; inbox: Inbox }> {
    const { username, password } = await registerUser(app, { prefix: 'sdk' });
    const s = await SwitchboardSession.start({ port: app.tcpPort, username, password, ...FAST, autoAck: 'delivered', ...extra });
    return { s, userId: s.userId!, inbox: new Inbox(s) };
  }

  it('connection destroyed mid-stream: every message exactly once, in order', async () => {
    const { s, userId, inbox } = await session();
    const sender = await registerAndLogin(app);
    const total = 40;
    const sending = (async () => {
      for (let i = 1; i <= total; i++) await sender.client.call('message/send', { target: { type: 'user', id: userId }, content: { type: 'text', text: `m${i}` } });
    })();
    await inbox.waitForCount(5);
    const reconnected = next(s, 'connected');
    // The server side of the receiver's connection dies (not a clean close from the client).
    for (const conn of app.app.get(ConnectionRegistry).forUser(userId)) conn.socket.destroy();
    expect((await reconnected)[0]).toEqual({ reconnect: true });
    await sending;
    const got = await inbox.waitForCount(total);
    expect(got.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(got.map((m) => (m.content as unknown as { text: string }).text)).toEqual(Array.from({ length: total }, (_, i) => `m${i + 1}`));
    await s.close();
  });

  it('a send whose answer was lost is retried with the same id and stored once', async () => {
    const { s } = await session();
    const peer = await registerAndLogin(app);
    const id = `retry-${Date.now()}`;
    loseAnswerOf.add(id);
    const reconnected = next(s, 'connected');
    const answer = await s.send({ type: 'user', id: peer.userId }, 'only once', { id });
    await reconnected;
    expect(answer).toMatchObject({ status: 200, duplicate: true });
    expect(sendIds.filter((x) => x === id)).toHaveLength(2);
    const history = await peer.client.call('message/history', { conversation_id: answer.conversation_id });
    expect(history.messages.filter((m: any) => m.content.text === 'only once')).toHaveLength(1);
    await s.close();
  });

  it('a non-retryable error is answered at once, not retried', async () => {
    const { s } = await session();
    const id = `no-retry-${Date.now()}`;
    const answer = await s.request('message/send', { target: { type: 'user', id: 'u-nobody' }, content: { type: 'text', text: 'x' } }, { id });
    expect(answer).toMatchObject({ status: 404, error_code: 'USER_NOT_FOUND' });
    expect(sendIds.filter((x) => x === id)).toHaveLength(1);
    await expect(s.call('message/send', { target: { type: 'user', id: 'u-nobody' }, content: { type: 'text', text: 'x' } })).rejects.toMatchObject({ name: 'SwitchboardError', code: 'USER_NOT_FOUND' });
    await s.close();
  });

  it('resumes from a persisted sync cursor with the refresh token alone (no password)', async () => {
    const { s, userId, inbox } = await session();
    const sender = await registerAndLogin(app);
    await sender.client.call('message/send', { target: { type: 'user', id: userId }, content: { type: 'text', text: 'first' } });
    await inbox.waitForCount(1);
    await s.stream.idle();
    const cursor = s.syncCursor;
    const refreshToken = s.refreshToken!;
    await s.close();

    await sender.client.call('message/send', { target: { type: 'user', id: userId }, content: { type: 'text', text: 'while away' } });
    const resumed = await SwitchboardSession.start({ port: app.tcpPort, refreshToken, syncCursor: cursor, ...FAST });
    const later = new Inbox(resumed);
    const [m] = await later.waitForCount(1);
    expect(m).toMatchObject({ seq: 2, content: { text: 'while away' } });
    expect(resumed.userId).toBe(userId);
    await resumed.close();
  });

  it('delivers friend requests as typed notification events, once, and acks them', async () => {
    const { s, userId } = await session({ ackNotifications: true });
    const other = await registerAndLogin(app);
    const notified = next(s, 'notification');
    const acked = next(s, 'notificationAcked');
    await other.client.call('contact/request', { user_id: userId, note: 'hi' });
    const [n] = await notified;
    expect(n).toMatchObject({ type: 'contact.request', durable: true, user: { user_id: other.userId } });
    expect(await acked).toEqual([n.notification_id]);
    expect((await s.call('notification/list', {})).notifications).toEqual([]);
    await s.close();
  });
});

/**
 * Slow consumers and priority, through the real transport: the receiving connection's socket is
 * corked on the server side (a network stall), so its outgoing bytes pile up exactly as they do
 * for a client that stops reading.
 */
import type { Connection } from '../../../src/transport/connection';
import { ConnectionRegistry } from '../../../src/transport/connection-registry';
import { LoggedInUser } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import {
  directId,
  isMessageEvent,
  liveMessages,
  newUser,
  range,
  seqs,
  text,
} from './message-helpers';

function serverSide(app: TestApp, user: LoggedInUser): Connection {
  const [conn] = app.app.get(ConnectionRegistry).forUser(user.userId);
  return conn;
}

// Every send waits for its commit: generous limits for loaded CI databases (see CLIENT_TIMEOUT_MS).
jest.setTimeout(120_000);

describe('slow consumers and priority', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      RATE_LIMIT_CONN_RPS: '0',
      RATE_LIMIT_USER_RPS: '0',
      SLOW_CONSUMER_BYTES: '65536',
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it('drops live pushes to a stalled connection instead of buffering them; the client catches up through history', async () => {
    const [alice, bob] = [await newUser(app), await newUser(app)];
    const conn = serverSide(app, bob);
    conn.socket.cork();
    const big = 'x'.repeat(4000);
    await Promise.all(
      range(1, 60).map((i) =>
        alice.client.call('message/send', {
          target: { type: 'user', id: bob.userId },
          content: text(`${i}:${big}`),
        }),
      ),
    );
    expect(conn.lagging).toBe(true);
    expect(conn.droppedFrames).toBeGreaterThan(0);
    // Memory stayed bounded: roughly the slow-consumer bound, not 60 x 4 KB.
    expect(conn.pendingWriteBytes).toBeLessThan(65536 + 2 * 4500);

    conn.socket.uncork();
    await bob.client.call('control/ping'); // answered after everything queued before it
    const live = liveMessages(bob.client);
    expect(live.length).toBeGreaterThan(0);
    expect(live.length).toBeLessThan(60);
    expect(seqs(live)).toEqual([...seqs(live)].sort((a, b) => a - b));

    // Catch-up: every message is in history, all 60 in order.
    const page = await bob.client.call('message/history', {
      conversation_id: directId(alice.userId, bob.userId),
    });
    expect(seqs(page.messages)).toEqual(range(1, 60));
  });
});

describe('priority on a backed-up connection', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      RATE_LIMIT_CONN_RPS: '0',
      RATE_LIMIT_USER_RPS: '0',
      SLOW_CONSUMER_BYTES: String(1024 * 1024),
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it('sends priority "high" messages ahead of normal ones queued on a backed-up connection', async () => {
    const [alice, bob] = [await newUser(app), await newUser(app)];
    const conn = serverSide(app, bob);
    conn.socket.cork();
    const big = 'y'.repeat(7000);
    // ~210 KB of normal pushes: more than the socket's own buffer (16 KiB on Node 20, 64 KiB since
    // Node 22 raised the default highWaterMark), so the rest waits in the connection's queue, and
    // less than SLOW_CONSUMER_BYTES, so none is dropped.
    for (const i of range(1, 30))
      await alice.client.call('message/send', {
        target: { type: 'user', id: bob.userId },
        content: text(`n${i}:${big}`),
      });
    const urgent = await alice.client.call('message/send', {
      target: { type: 'user', id: bob.userId },
      content: text('urgent'),
      meta: { priority: 'high' },
    });
    conn.socket.uncork();
    await bob.client.waitForCount(isMessageEvent(), 31);
    const order = liveMessages(bob.client).map((m) => m.seq);
    expect(order).toHaveLength(31);
    // The urgent one (sent last) overtook at least one normal message that was still queued.
    expect(order.indexOf(urgent.seq)).toBeLessThan(30);
  });
});

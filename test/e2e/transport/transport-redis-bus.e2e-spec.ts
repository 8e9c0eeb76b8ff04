/**
 * Two app instances sharing one Redis (REDIS_URL): an event published through app 1's
 * EventPublisher reaches a client connected to app 2 (and app 1's own clients, through the same
 * subscription); disconnect and unbind targets cross processes too; delivery resumes after the
 * subscriber connection is killed. Runs only when TEST_REDIS_URL is set (CI sets it).
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Connection, EventBus, EventPublisher, RedisEventBus } from '../../../src/transport';
import { skipFrameContract } from '../../support/frame-contract';
import { describeWith } from '../../support/requires';
import { startTestApp, TestApp } from '../../support/test-app';
import { expectAlive, lastConnection, NO_RATE_LIMIT } from '../../support/transport-helpers';

const REDIS_URL = process.env.TEST_REDIS_URL;

// The bus carries whatever a publisher hands it: these frames are hand-made placeholders
// ({text} as a message, reason "test"), not the server's, so the payload schemas do not apply.
skipFrameContract();

describeWith({ redis: true }, 'Redis event bus across two app instances', () => {
  // A prefix of its own, so concurrent runs on one Redis never see each other's messages.
  const env = { ...NO_RATE_LIMIT, REDIS_URL: REDIS_URL!, REDIS_KEY_PREFIX: `sbtest:${randomBytes(4).toString('hex')}:` };
  let app1: TestApp;
  let app2: TestApp;
  let publisher1: EventPublisher;
  beforeAll(async () => {
    app1 = await startTestApp(env);
    app2 = await startTestApp(env);
    publisher1 = app1.app.get(EventPublisher);
  });
  afterAll(async () => {
    await app1?.close();
    await app2?.close();
  });

  /** A client on `app` whose connection is bound to `userId` server-side. */
  async function boundClient(app: TestApp, userId: string) {
    const client = await app.connect();
    await expectAlive(client);
    const conn = lastConnection(app);
    app.transport.registry.bind(conn, { userId, sessionId: `s-${userId}-${conn.id}` });
    return { client, conn };
  }

  it('uses the Redis bus on both apps when REDIS_URL is set', () => {
    expect(app1.app.get(EventBus)).toBeInstanceOf(RedisEventBus);
    expect(app2.app.get(EventBus)).toBeInstanceOf(RedisEventBus);
    expect((app1.app.get(EventBus) as RedisEventBus).nodeId).not.toBe((app2.app.get(EventBus) as RedisEventBus).nodeId);
  });

  // toUsers from app 1 reaches the user's connections on app 2 AND on app 1 (via the subscription).
  it('delivers an event published on app 1 to the user on app 2 and on app 1', async () => {
    const { client: remote } = await boundClient(app2, 'u-bob');
    const { client: local } = await boundClient(app1, 'u-bob');
    const { client: other } = await boundClient(app2, 'u-carol');
    await publisher1.toUsers(['u-bob'], 'message/event', { status: 200, message: { text: 'hi across nodes' } });
    const [a, b] = await Promise.all([remote.waitFor('message/event'), local.waitFor('message/event')]);
    expect(a.payload).toEqual({ status: 200, message: { text: 'hi across nodes' } });
    expect(b.payload).toEqual(a.payload);
    // carol was not targeted: a ping answered after the push proves nothing else arrived.
    await expectAlive(other);
    expect(other.events.filter((f) => f.command === 'message/event')).toEqual([]);
  });

  // toConnections with a connection id held by app 2; excludeConnection is honoured remotely.
  it('delivers to a connection id held by another process, and honours excludeConnection', async () => {
    const { client: first, conn: c1 } = await boundClient(app2, 'u-dana');
    const { client: second, conn: c2 } = await boundClient(app2, 'u-dana');
    await publisher1.toConnections([c1.id], 'test/direct', { n: 1 });
    expect((await first.waitFor('test/direct')).payload).toEqual({ n: 1 });
    await publisher1.toUsers(['u-dana'], 'test/others', { n: 2 }, { excludeConnection: c1.id });
    expect((await second.waitFor('test/others')).payload).toEqual({ n: 2 });
    await expectAlive(first);
    expect(first.events.filter((f) => f.command === 'test/others')).toEqual([]);
    expect(c2.userId).toBe('u-dana');
  });

  // disconnect from app 1: the user's connection on app 2 gets the last event and is closed.
  it('disconnects a user connected to another process (kick)', async () => {
    const { client } = await boundClient(app2, 'u-erin');
    await publisher1.disconnect({ users: ['u-erin'] }, { command: 'auth/kick', payload: { reason: 'test' } });
    await client.closed;
    expect(client.events.find((f) => f.command === 'auth/kick')?.payload).toEqual({ reason: 'test' });
    expect([...app2.transport.registry.forUser('u-erin')]).toEqual([]);
  });

  // unbind from app 1: the session's connection on app 2 loses its user but stays open.
  it('unbinds a session held by another process without closing it', async () => {
    const { client, conn } = await boundClient(app2, 'u-fred');
    const unbound = new Promise<Connection>((resolve) => app2.transport.registry.once('unbound', (c) => resolve(c)));
    await publisher1.unbind({ sessions: [`s-u-fred-${conn.id}`] });
    expect(await unbound).toBe(conn);
    expect(conn.userId).toBeUndefined();
    await expectAlive(client);
  });

  // Reconnect: after app 2's subscriber connection is killed, it resubscribes and delivery resumes.
  it('resubscribes after the subscriber connection is killed', async () => {
    const bus2 = app2.app.get(EventBus) as RedisEventBus;
    const { client } = await boundClient(app2, 'u-gina');
    const admin = new Redis(REDIS_URL!);
    try {
      // The subscriber connection is named after the node (CLIENT SETNAME), so we kill only ours.
      const list = (await admin.client('LIST')) as string;
      const line = list.split('\n').find((l) => l.includes(`name=sb-bus-sub-${bus2.nodeId}`));
      const id = /\bid=(\d+)/.exec(line ?? '')?.[1];
      expect(id).toBeDefined();
      const resubscribed = new Promise<void>((resolve) => bus2.events.once('subscribed', () => resolve()));
      await admin.client('KILL', 'ID', id!);
      await resubscribed;
      expect(bus2.isSubscribed).toBe(true);
      await publisher1.toUsers(['u-gina'], 'test/after-reconnect', { ok: true });
      expect((await client.waitFor('test/after-reconnect')).payload).toEqual({ ok: true });
    } finally {
      await admin.quit();
    }
  });
});

describe('event bus selection', () => {
  // Without REDIS_URL the embedded in-process bus is used (single node).
  it('uses the in-process bus when REDIS_URL is unset', async () => {
    const app = await startTestApp({ REDIS_URL: '' });
    try {
      expect(app.app.get(EventBus)).not.toBeInstanceOf(RedisEventBus);
    } finally {
      await app.close();
    }
  });
});

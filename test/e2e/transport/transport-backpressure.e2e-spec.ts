/**
 * Backpressure and slow consumers over real TCP and over WebSocket (describe.each): a client
 * that floods requests and never reads makes the server stop reading it (bounded memory), a
 * socket that never drains is destroyed, live pushes to a backed-up connection are dropped (connection marked lagging), and
 * high-priority frames overtake queued normal ones.
 *
 * Loopback kernel buffers absorb several MB before Node buffers anything, so the floods below
 * are sized well beyond that (large echo payloads keep the frame count, and the run time, low).
 */
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { Connection, EventPublisher, LocalDelivery, PluginOrder } from '../../../src/transport';
import { startTestApp, TestApp, TRANSPORT_KINDS } from '../../support/test-app';
import { backpressure, expectAlive, frameText, lastConnection, NO_RATE_LIMIT, responseTo, serverClosed } from '../../support/transport-helpers';
import { TRANSPORT_TEST_COMMANDS, TransportTestModule } from '../../support/transport-test.module';

const BLOB = 'x'.repeat(16 * 1024);
const FLOOD = 2000; // 2000 × 16 KiB ≈ 32 MiB of responses

/** Writes `count` echo requests (≈16 KiB each) without waiting; returns the ids. */
function floodEcho(client: SwitchboardClient, count: number, prefix: string): string[] {
  const ids: string[] = [];
  const frames: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${prefix}-${i}`;
    ids.push(id);
    frames.push(frameText({ id, command: 'test/echo', payload: { blob: BLOB } }));
  }
  client.writeRaw(frames.join(''));
  return ids;
}

/** Samples the server-side queue of `conn` on every frame written to it. */
function trackPending(app: TestApp, conn: Connection): { max: number; handled: number } {
  const stats = { max: 0, handled: 0 };
  app.transport.use({
    name: 'test-pending-tracker',
    order: PluginOrder.OBSERVE,
    onOutbound: (c) => {
      if (c !== conn) return;
      stats.handled++;
      stats.max = Math.max(stats.max, c.pendingWriteBytes);
    },
  });
  return stats;
}

describe.each(TRANSPORT_KINDS)('backpressure: a client that does not read over %s', (kind) => {
  const HIGH = 256 * 1024;
  let app: TestApp;
  const connect = () => app.connect({ transport: kind });
  beforeAll(async () => {
    app = await startTestApp(
      { ...NO_RATE_LIMIT, WS_PORT: '0', WRITE_BUFFER_HIGH_BYTES: String(HIGH), DRAIN_TIMEOUT_MS: '20000' },
      { imports: [TransportTestModule], commands: TRANSPORT_TEST_COMMANDS },
    );
  });
  afterAll(async () => {
    await app.close();
  });

  // Flooding without reading pauses the server's reads; its queue stays bounded; once the client
  // reads again every request is answered, in order, on the same connection.
  it('pauses reading a flooding client, keeps its queue bounded, and resumes when it reads', async () => {
    const client = await connect();
    await expectAlive(client);
    const conn = lastConnection(app);
    const stats = trackPending(app, conn);
    const paused = backpressure(app, true, conn);
    const resumed = backpressure(app, false, conn);
    client.transport.pause();
    const ids = floodEcho(client, FLOOD, 'bp');
    await paused;
    expect(conn.isReadingPaused).toBe(true);
    // The server stopped turning requests into responses long before the flood's end...
    expect(stats.handled).toBeLessThan(FLOOD);
    // ...and held at most the bound plus what one read chunk's requests produce.
    expect(conn.pendingWriteBytes).toBeLessThan(HIGH + 2 * 1024 * 1024);

    client.transport.resume();
    const last = await responseTo(client, ids[ids.length - 1], 20_000);
    expect(last.payload.status).toBe(200);
    await resumed;
    const answered = client.events.filter((f) => f.type === 'response' && f.id.startsWith('bp-')).map((f) => f.id);
    expect(answered).toEqual(ids);
    expect(stats.max).toBeLessThan(HIGH + 2 * 1024 * 1024);
    await expectAlive(client, 'after-flood');
  });
});

describe.each(TRANSPORT_KINDS)('backpressure: a socket that never drains over %s', (kind) => {
  const DRAIN_TIMEOUT_MS = 300;
  let app: TestApp;
  const connect = () => app.connect({ transport: kind });
  beforeAll(async () => {
    app = await startTestApp(
      { ...NO_RATE_LIMIT, WS_PORT: '0', WRITE_BUFFER_HIGH_BYTES: '65536', DRAIN_TIMEOUT_MS: String(DRAIN_TIMEOUT_MS) },
      { imports: [TransportTestModule], commands: TRANSPORT_TEST_COMMANDS },
    );
  });
  afterAll(async () => {
    await app.close();
  });

  // Drain timeout: paused for backpressure and still not drained after DRAIN_TIMEOUT_MS → destroyed.
  it('destroys a socket that stays undrained for DRAIN_TIMEOUT_MS', async () => {
    const client = await connect();
    await expectAlive(client);
    const conn = lastConnection(app);
    const paused = backpressure(app, true, conn);
    const closed = serverClosed(app, conn);
    client.transport.pause();
    floodEcho(client, FLOOD, 'dt');
    await paused;
    const pausedAt = Date.now();
    const closedAt = await closed;
    expect(closedAt - pausedAt).toBeGreaterThanOrEqual(DRAIN_TIMEOUT_MS - 20);
    expect(app.transport.registry.get(conn.id)).toBeUndefined();
    // The client sees the connection go away once it reads again.
    client.transport.resume();
    await client.closed;
  });
});

describe.each(TRANSPORT_KINDS)('slow consumers and priorities over %s', (kind) => {
  const SLOW = 256 * 1024;
  let app: TestApp;
  const connect = () => app.connect({ transport: kind });
  let publisher: EventPublisher;
  let delivery: LocalDelivery;
  beforeAll(async () => {
    app = await startTestApp({ ...NO_RATE_LIMIT, WS_PORT: '0', SLOW_CONSUMER_BYTES: String(SLOW), WRITE_BUFFER_HIGH_BYTES: String(SLOW) });
    publisher = app.app.get(EventPublisher);
    delivery = app.app.get(LocalDelivery);
  });
  afterAll(async () => {
    await app.close();
  });

  async function boundClient(userId: string): Promise<{ client: SwitchboardClient; conn: Connection }> {
    const client = await connect();
    await expectAlive(client);
    const conn = lastConnection(app);
    app.transport.registry.bind(conn, { userId, sessionId: `s-${userId}` });
    return { client, conn };
  }

  // Slow consumer: droppable live pushes stop once the outgoing buffer passes SLOW_CONSUMER_BYTES;
  // the connection is marked lagging; non-droppable frames still go out; memory stays bounded.
  it('drops droppable pushes to a backed-up connection and marks it lagging', async () => {
    const { client, conn } = await boundClient('u-slow');
    client.transport.pause();
    const droppedBefore = delivery.dropped;
    const PUSHES = 2000;
    for (let n = 0; n < PUSHES; n++) {
      await publisher.toUsers(['u-slow'], 'test/live', { n, blob: BLOB }, { droppable: true });
    }
    expect(conn.lagging).toBe(true);
    expect(conn.droppedFrames).toBeGreaterThan(0);
    expect(delivery.dropped - droppedBefore).toBe(conn.droppedFrames);
    expect(conn.pendingWriteBytes).toBeLessThan(SLOW + BLOB.length * 2);
    await publisher.toUsers(['u-slow'], 'test/must-arrive', { ok: true });

    client.transport.resume();
    await client.waitFor('test/must-arrive', { timeoutMs: 20_000 });
    const received = client.events.filter((f) => f.command === 'test/live').map((f) => f.payload.n as number);
    // What arrived is an unbroken prefix; the tail was dropped (the client catches up via sync).
    expect(received.length).toBe(PUSHES - conn.droppedFrames);
    expect(received).toEqual(received.map((_, i) => i));
  });

  // Priority: a high-priority push overtakes normal frames queued behind a backed-up socket.
  it('sends a high-priority frame ahead of queued normal frames', async () => {
    const { client, conn } = await boundClient('u-prio');
    client.transport.pause();
    // Push normal frames until some are queued in the connection's own queue (not just in the
    // socket). Yielding to the event loop after each push lets the per-tick write batch reach
    // the socket, as it would between real requests.
    let n = 0;
    while (conn.queuedBytesInConnection < 4 * BLOB.length && n < 5000) {
      await publisher.toUsers(['u-prio'], 'test/normal', { n: n++, blob: BLOB });
      await new Promise((resolve) => setImmediate(resolve));
    }
    const lastNormal = n - 1;
    expect(conn.queuedBytesInConnection).toBeGreaterThan(0);
    await publisher.toUsers(['u-prio'], 'test/high', { urgent: true }, { priority: 'high' });

    client.transport.resume();
    await client.waitFor((f) => f.command === 'test/normal' && f.payload.n === lastNormal, { timeoutMs: 20_000 });
    const order = client.events.filter((f) => f.command === 'test/normal' || f.command === 'test/high');
    const highAt = order.findIndex((f) => f.command === 'test/high');
    const lastNormalAt = order.findIndex((f) => f.command === 'test/normal' && f.payload.n === lastNormal);
    expect(highAt).toBeGreaterThan(0); // frames already handed to the socket went first
    expect(highAt).toBeLessThan(lastNormalAt); // but it overtook the queued ones
    // Normal frames keep their relative order.
    const normals = order.filter((f) => f.command === 'test/normal').map((f) => f.payload.n as number);
    expect(normals).toEqual(normals.map((_, i) => i));
    expect(conn.lagging).toBe(false);
  });
});

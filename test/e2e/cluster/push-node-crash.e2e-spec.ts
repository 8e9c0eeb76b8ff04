/**
 * Push outbox across two nodes (PostgreSQL + Redis) when one is killed with SIGKILL, in the
 * middle of delivering, and right after a commit before its intake queued the entry: node A is a real server process, node B runs in this process with its
 * worker driven by the test. The gateway holds A's requests unanswered, A is killed; then B
 * takes A's recovery watermark over, re-derives A's entries from the message stream and, once
 * A's claims have expired, sends what A was sending. Nothing is lost (every offline member is
 * told up to the last message) and nothing is pushed twice: entries A had already pushed are
 * not pushed again, and the resend of the push A died sending carries the same Idempotency-Key
 * (the gateway / device keeps one); an entry only the stream knows about is pushed once.
 */
import { randomBytes } from 'node:crypto';
import { OnlineUsers } from '../../../src/modules/presence';
import { PushWorker } from '../../../src/modules/push';
import { PushServer, RecordedRequest, startPushServer, until } from '../../support/push-servers';
import { describeWith } from '../../support/requires';
import { ensureBuilt, spawnServer, SpawnedServer } from '../../support/spawn-server';
import { startTestApp, TestApp } from '../../support/test-app';
import { connectTo, login, registerUser, RegisteredUser } from '../../support/users';

const body = (r: RecordedRequest) => JSON.parse(r.body.toString('utf8')).notification as { id: string; switchboard: { seq: number; pending: number }; devices: { pushkey: string }[] };
const keyOf = (r: RecordedRequest) => body(r).devices[0].pushkey;

describeWith({ postgres: true, redis: true }, 'push outbox: a node killed during delivery neither loses nor duplicates pushes', () => {
  let gateway: PushServer;
  let nodeB: TestApp;
  let nodeA: SpawnedServer | undefined;

  beforeAll(async () => {
    ensureBuilt();
    gateway = await startPushServer();
  });
  afterAll(async () => {
    await nodeA?.stop('SIGKILL');
    await nodeB?.close();
    await gateway?.close();
  });

  it('B takes over A\'s watermark and its claims after kill -9', async () => {
    const shared = {
      RATE_LIMIT_CONN_RPS: '0',
      RATE_LIMIT_USER_RPS: '0',
      REDIS_URL: process.env.TEST_REDIS_URL,
      REDIS_KEY_PREFIX: `sbpush-${randomBytes(4).toString('hex')}:`,
      AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
      PUSH_WEBHOOK_URL: `${gateway.url}/_matrix/push/v1/notify`,
      PUSH_WEBHOOK_SECRET: 'cluster-push-secret-0123456789abcdef',
      PUSH_ALLOW_PRIVATE_URLS: 'on',
      PUSH_GRACE_MS: '0',
      PUSH_COALESCE_MS: '0',
      PUSH_CLAIM_MS: '2000',
      PUSH_REQUEST_TIMEOUT_MS: '60000',
    };
    // B: its worker and intake timers never fire on their own (the test ticks the worker); its
    // watermark beat (every 2 s) runs, and that is what notices A is gone.
    nodeB = await startTestApp({ ...shared, PUSH_WORKER_INTERVAL_MS: '3600000' });
    nodeA = await spawnServer({ ...nodeB.env, ...shared, TCP_PORT: '0', HTTP_PORT: '0', FILE_PORT: '0', MIGRATIONS_RUN: 'off', PUSH_WORKER_INTERVAL_MS: '100' });
    const onA = { tcpPort: nodeA.tcpPort };

    const alice = await registerUser(onA);
    const offline: RegisteredUser[] = [];
    for (let i = 0; i < 4; i++) offline.push(await registerUser(onA));
    const aliceClient = await connectTo(onA);
    await login(aliceClient, alice.username, alice.password);
    const groupId = (await aliceClient.call('group/create', { name: 'crash', members: offline.map((u) => u.userId) })).conversation_id as string;
    for (const [i, u] of offline.entries()) {
      const c = await connectTo(onA);
      await login(c, u.username, u.password, 'phone');
      await c.call('push/register', { platform: 'webhook', token: `key-${i}` });
      await c.close();
    }
    const online = nodeB.app.get(OnlineUsers);
    await until(async () => (await online.among(offline.map((u) => u.userId))).size === 0, 'recipients offline (seen from B)');
    const send = (text: string) => aliceClient.call('message/send', { target: { type: 'group', id: groupId }, content: { type: 'text', text } });

    // 1. A delivers normally: one push per member.
    await send('before');
    await gateway.waitFor(offline.length);
    const before = gateway.requests.length;

    // 2. The gateway stops answering; A claims the next pushes and hangs sending them; kill -9.
    gateway.fallback = () => ({ status: 0 });
    const last = await send('during');
    await gateway.waitFor(before + offline.length);
    await nodeA.stop('SIGKILL');
    nodeA = undefined;
    await aliceClient.close().catch(() => undefined);
    gateway.fallback = () => ({ status: 200, body: '{}' });

    // 3. B: takes A's watermark over (A stops beating), re-derives from the stream, and once A's
    //    claims expire sends what A was sending. Drive B's worker until every member has it again.
    const worker = nodeB.app.get(PushWorker);
    await until(
      async () => {
        await worker.tick();
        return new Set(gateway.requests.slice(before + offline.length).map(keyOf)).size === offline.length;
      },
      'B resends the pushes A died sending',
      30_000,
    );
    // Let B's beat take A over (≥ 10 s of silence) and re-derive; then work the outbox again.
    await until(async () => (await nodeB.app.get(PushWorker).tick(), (await recoveredEntries(nodeB)) > 0), 'B re-derives A\'s entries', 30_000);
    await worker.tick();
    await worker.tick();

    for (const [i] of offline.entries()) {
      const mine = gateway.requests.filter((r) => keyOf(r) === `key-${i}`);
      const ids = mine.map((r) => body(r).id);
      // The first push (A, answered), the one A died sending, and B's resend of that same push.
      expect(mine).toHaveLength(3);
      expect(ids[2]).toBe(ids[1]);
      expect(new Set(ids).size).toBe(2);
      // Nothing lost: the last push covers the last message.
      expect(body(mine[2]).switchboard.seq).toBe(last.seq);
    }

    // 4. A node killed after the commit, before its intake queued anything (A2 never flushes on
    //    its own): the entry exists only in the stream, and B re-derives it from there.
    nodeA = await spawnServer({ ...nodeB.env, ...shared, TCP_PORT: '0', HTTP_PORT: '0', FILE_PORT: '0', MIGRATIONS_RUN: 'off', PUSH_WORKER_INTERVAL_MS: '3600000' });
    const a2 = await connectTo({ tcpPort: nodeA.tcpPort });
    await login(a2, alice.username, alice.password);
    const recoveredBefore = await recoveredEntries(nodeB);
    const unflushed = await a2.call('message/send', { target: { type: 'group', id: groupId }, content: { type: 'text', text: 'unflushed' } });
    await nodeA.stop('SIGKILL');
    nodeA = undefined;
    const count = gateway.requests.length;
    await until(async () => (await recoveredEntries(nodeB)) > recoveredBefore, 'B re-derives A2\'s entry', 40_000);
    await until(
      async () => {
        await worker.tick();
        return gateway.requests.length >= count + offline.length;
      },
      'B pushes the re-derived entry',
      10_000,
    );
    await worker.tick();
    const after = gateway.requests.slice(count);
    expect(after).toHaveLength(offline.length);
    expect(new Set(after.map(keyOf)).size).toBe(offline.length);
    for (const r of after) expect(body(r).switchboard).toMatchObject({ seq: unflushed.seq, pending: 1 });
    await a2.close().catch(() => undefined);
  }, 150_000);
});

async function recoveredEntries(app: TestApp): Promise<number> {
  const metrics = await (await fetch(`http://127.0.0.1:${app.httpPort}/metrics`)).text();
  return Number(/^switchboard_push_recovered_entries_total (\d+)$/m.exec(metrics)?.[1] ?? 0);
}

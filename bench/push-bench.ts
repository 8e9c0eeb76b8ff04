/**
 * Push bench (npm run bench:push), two numbers for issue #23:
 *
 * 1. The send path with push on: BENCH_PAIRS senders × BENCH_IN_FLIGHT message/send in flight,
 *    each to a direct conversation with a recipient who registered a webhook push token and went
 *    offline (so EVERY message is taken in, queued and pushed: coalescing 0, grace 0), against the
 *    same server with no push provider configured. Rate = send responses/s and server CPU µs per
 *    send; the ratio on/off is what push costs the send path (the outbox worker runs in the same
 *    process, on the same cores).
 * 2. Outbox throughput: BENCH_FANOUT offline members of one group with a token each; one message
 *    → that many pushes to a local gateway (answering 200 at once); pushes/s from the send to the
 *    last request, median of BENCH_BURSTS messages.
 *
 * Servers: BENCH_SERVERS (sqlite, or sqlite,postgres with BENCH_DATABASE_URL). A measurement
 * tool, never a test assertion.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Client } from 'pg';
import { BenchConn, LoadState } from './bench-client';
import { cpuMs, delay, machineLine, median, ROOT, spawnServer, stop, SWITCHBOARD_READY, switchboardEnv } from './bench-util';

const env = process.env;
const DURATION_MS = Number(env.BENCH_DURATION_MS ?? 3000);
const WARMUP_MS = Number(env.BENCH_WARMUP_MS ?? 1000);
const REPEAT = Number(env.BENCH_REPEAT ?? 3);
const PAIRS = Number(env.BENCH_PAIRS ?? 16);
const IN_FLIGHT = Number(env.BENCH_IN_FLIGHT ?? 32);
const FANOUT = Number(env.BENCH_FANOUT ?? 200);
const BURSTS = Number(env.BENCH_BURSTS ?? 3);
const SERVERS = (env.BENCH_SERVERS ?? 'sqlite').split(',').map((s) => s.trim());
// `stress` (default): grace and coalescing at 0, every message pushed at once (the worst case);
// `defaults`: the server's own PUSH_GRACE_MS / PUSH_COALESCE_MS, what a deployment runs with.
const PUSH_TIMING = env.BENCH_PUSH_TIMING === 'defaults' ? {} : { PUSH_GRACE_MS: '0', PUSH_COALESCE_MS: '0' };
const PG_URL = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Gateway {
  url: string;
  count: number;
  onRequest?: () => void;
  close(): void;
}

async function startGateway(): Promise<Gateway> {
  const gw: Gateway = { url: '', count: 0, close: () => server.close() };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      gw.count++;
      gw.onRequest?.();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  gw.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_matrix/push/v1/notify`;
  return gw;
}

async function database(name: string): Promise<{ extra: NodeJS.ProcessEnv; cleanup(): Promise<void> }> {
  if (name !== 'postgres') return { extra: {}, cleanup: async () => undefined };
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  return {
    extra: { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, MIGRATIONS_RUN: 'on' },
    cleanup: async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

async function users(port: number, n: number, tag: string): Promise<BenchConn[]> {
  const out: BenchConn[] = [];
  for (let i = 0; i < n; i += 8) {
    out.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(8, n - i) }, async (_, k) => {
          const c = await BenchConn.open(port);
          const username = `p${tag}${i + k}`;
          await c.call('auth/register', { username, password: 'bench-password-1' });
          const login = await c.call('auth/login', { username, password: 'bench-password-1', client_info: { device: 'bench' } });
          c.userId = String(login.payload.user_id);
          c.token = String(login.payload.token);
          return c;
        }),
      )),
    );
  }
  return out;
}

/** Registers a push token on each connection, then closes it: the user is offline with a device. */
async function offlineWithToken(conns: BenchConn[]): Promise<void> {
  await Promise.all(conns.map((c, i) => c.call('push/register', { platform: 'webhook', token: `bench-${c.userId}-${i}` })));
  for (const c of conns) c.close();
  await delay(500); // presence removal on close is asynchronous; nothing is measured yet
}

async function sendPath(name: string, push: boolean, gw: Gateway): Promise<{ rate: number; cpuUs: number; pushed: number }> {
  const db = await database(name);
  const extra: NodeJS.ProcessEnv = push
    ? { PUSH_WEBHOOK_URL: gw.url, PUSH_WEBHOOK_SECRET: 'bench-push-secret-0123456789abcdef0123', PUSH_ALLOW_PRIVATE_URLS: 'on', ...PUSH_TIMING }
    : {};
  const { port, child } = await spawnServer([path.join(ROOT, 'dist', 'src', 'main.js')], switchboardEnv({ ...db.extra, ...extra }), SWITCHBOARD_READY);
  try {
    const tag = randomBytes(3).toString('hex');
    const senders = await users(port, PAIRS, `s${tag}`);
    const recipients = await users(port, PAIRS, `r${tag}`);
    if (push) await offlineWithToken(recipients);
    else for (const c of recipients) c.close();
    const state = new LoadState();
    let n = 0;
    senders.forEach((s, i) => s.startLoad(state, IN_FLIGHT, () => ({ command: 'message/send', payload: { target: { type: 'user', id: recipients[i].userId }, content: { type: 'text', text: `m${++n}` } } })));
    await delay(WARMUP_MS);
    state.measuring = true;
    const gw0 = gw.count;
    const t0 = performance.now();
    const cpu0 = cpuMs(child.pid);
    await delay(DURATION_MS);
    state.measuring = false;
    const cpu = cpuMs(child.pid) - cpu0;
    const seconds = (performance.now() - t0) / 1000;
    const pushed = gw.count - gw0;
    state.sending = false;
    const deadline = performance.now() + 30_000;
    while (senders.some((c) => c.outstanding > 0) && performance.now() < deadline) await delay(20);
    for (const c of senders) c.close();
    if (state.firstError) console.error(`  ${name}/${push ? 'on' : 'off'}: ${state.errors} errors, first: ${state.firstError}`);
    return { rate: state.completed / seconds, cpuUs: (cpu * 1000) / Math.max(1, state.completed), pushed: pushed / seconds };
  } finally {
    await stop(child);
    await db.cleanup();
  }
}

async function outboxThroughput(name: string, gw: Gateway): Promise<number[]> {
  const db = await database(name);
  const extra = { PUSH_WEBHOOK_URL: gw.url, PUSH_WEBHOOK_SECRET: 'bench-push-secret-0123456789abcdef0123', PUSH_ALLOW_PRIVATE_URLS: 'on', PUSH_GRACE_MS: '0', PUSH_COALESCE_MS: '0', PUSH_WORKER_INTERVAL_MS: '50' };
  const { port, child } = await spawnServer([path.join(ROOT, 'dist', 'src', 'main.js')], switchboardEnv({ ...db.extra, ...extra }), SWITCHBOARD_READY);
  try {
    const tag = randomBytes(3).toString('hex');
    const [sender, ...members] = await users(port, FANOUT + 1, `f${tag}`);
    const created = await sender.call('group/create', { name: 'fanout', members: members.map((m) => m.userId) });
    await offlineWithToken(members);
    const rates: number[] = [];
    for (let b = 0; b < BURSTS; b++) {
      const target = gw.count + FANOUT;
      const done = new Promise<void>((resolve) => (gw.onRequest = () => gw.count >= target && resolve()));
      const t0 = performance.now();
      await sender.call('message/send', { target: { type: 'group', id: created.payload.conversation_id }, content: { type: 'text', text: `burst ${b}` } });
      await Promise.race([done, delay(60_000)]);
      rates.push(FANOUT / ((performance.now() - t0) / 1000));
      gw.onRequest = undefined;
    }
    sender.close();
    return rates;
  } finally {
    await stop(child);
    await db.cleanup();
  }
}

async function main(): Promise<void> {
  console.log(`push bench: ${REPEAT} rounds × ${DURATION_MS} ms after ${WARMUP_MS} ms warm-up; ${PAIRS} senders × ${IN_FLIGHT} in flight to offline recipients; fan-out ${FANOUT} × ${BURSTS} bursts`);
  console.log(`${machineLine()}\n`);
  const gw = await startGateway();
  try {
    for (const name of SERVERS) {
      const off: { rate: number; cpuUs: number }[] = [];
      const on: { rate: number; cpuUs: number; pushed: number }[] = [];
      for (let round = 1; round <= REPEAT; round++) {
        // Alternate the order so drift on a shared machine does not favour one side.
        const modes = round % 2 === 1 ? [false, true] : [true, false];
        for (const push of modes) {
          const s = await sendPath(name, push, gw);
          (push ? on : off).push(s);
          console.log(`round ${round} ${name} push ${push ? 'on ' : 'off'}  ${Math.round(s.rate)} sends/s  ${s.cpuUs.toFixed(1)} µs CPU/send${push ? `  ${Math.round(s.pushed)} pushes/s during the window` : ''}`);
        }
      }
      const rOn = median(on.map((s) => s.rate));
      const rOff = median(off.map((s) => s.rate));
      console.log(`\n${name}: sends/s push off ${Math.round(rOff)}, on ${Math.round(rOn)} → ratio ${(rOn / rOff).toFixed(3)}; CPU µs/send off ${median(off.map((s) => s.cpuUs)).toFixed(1)}, on ${median(on.map((s) => s.cpuUs)).toFixed(1)}`);
      const rates = await outboxThroughput(name, gw);
      console.log(`${name}: outbox throughput ${rates.map((r) => Math.round(r)).join(', ')} pushes/s (median ${Math.round(median(rates))}) for ${FANOUT} offline members per message\n`);
    }
  } finally {
    gw.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * Relay bench: `message/send` → the recipient's `message/event`, next to the bare relay
 * (bench/servers/bare-relay-server.ts, same load generator, same process run), plus an
 * authenticated request and control/ping next to the bare ping. Every round starts each server
 * fresh, runs its scenarios one after the other and stops it; rounds repeat (BENCH_REPEAT) and
 * the table shows medians.
 *
 * Scenarios (BENCH_SCENARIOS, default all): relay (BENCH_PAIRS pairs × BENCH_IN_FLIGHT sends in
 * flight), latency (1 pair × 1 in flight), group (BENCH_GROUP_SIZE members, BENCH_GROUP_SENDERS
 * of them sending; unit = deliveries), reactions (the same group: BENCH_GROUP_SENDERS members toggle
 * a reaction on one message — reaction/add, reaction/remove, ... — each change a stream entry
 * pushed to the other members; unit = deliveries of those entries, latency not measured; not on
 * the bare relay), auth (presence/list of oneself with a bearer token) and
 * ping (control/ping without a token), 16 connections × 16 in flight.
 * Servers (BENCH_SERVERS, default bare,sqlite,postgres[,sqlite-full]): the bare relay, the built
 * server on a fresh SQLite file (synchronous=NORMAL; sqlite-full = SQLITE_SYNCHRONOUS=full) and
 * on PostgreSQL (BENCH_DATABASE_URL, default the local test database, in a throwaway schema);
 * `sqlite-before` / `postgres-before` run another build's server (BENCH_BEFORE_ROOT) in the same run.
 *
 *   npm run bench:relay         BENCH_REPEAT=3 BENCH_DURATION_MS=3000 BENCH_WARMUP_MS=1000
 *
 * A measurement tool, never a test assertion.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { Client } from 'pg';
import { BenchConn, LoadState, NextRequest } from './bench-client';
import { cpuMs, delay, machineLine, median, percentile, ROOT, spawnServer, stop, SWITCHBOARD_READY, switchboardEnv } from './bench-util';

const env = process.env;
const DURATION_MS = Number(env.BENCH_DURATION_MS ?? 3000);
const WARMUP_MS = Number(env.BENCH_WARMUP_MS ?? 1000);
const REPEAT = Number(env.BENCH_REPEAT ?? 3);
const PAIRS = Number(env.BENCH_PAIRS ?? 16);
const IN_FLIGHT = Number(env.BENCH_IN_FLIGHT ?? 32);
const GROUP_SIZE = Number(env.BENCH_GROUP_SIZE ?? 100);
const GROUP_SENDERS = Number(env.BENCH_GROUP_SENDERS ?? 4);
const REQ_CONNECTIONS = 16;
const REQ_IN_FLIGHT = 16;
const SCENARIOS = (env.BENCH_SCENARIOS ?? 'relay,latency,group,reactions,auth,ping').split(',').map((s) => s.trim());
const SERVERS = (env.BENCH_SERVERS ?? 'bare,sqlite,postgres').split(',').map((s) => s.trim());
const PG_URL = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

type Scenario = 'relay' | 'latency' | 'group' | 'reactions' | 'auth' | 'ping';
const UNIT: Record<Scenario, string> = { relay: 'msg', latency: 'msg', group: 'delivery', reactions: 'delivery', auth: 'req', ping: 'req' };

interface Sample {
  server: string;
  scenario: Scenario;
  rate: number;
  p50: number;
  p99: number;
  cpuUsPerUnit: number;
  errors: number;
  /** The measured window in seconds since the server process started (for --cpu-prof windows). */
  window: [number, number];
}

interface Server {
  name: string;
  port: number;
  child: ChildProcess;
  conns: BenchConn[];
  groupId: string;
  startedAt: number;
  cleanup(): Promise<void>;
}

async function startServer(name: string): Promise<Server> {
  const group = (SCENARIOS.includes('group') || SCENARIOS.includes('reactions')) && (!name.startsWith('postgres') || env.BENCH_GROUP_ON_PG);
  const users = Math.max(2 * PAIRS + 2, group ? GROUP_SIZE : 0, REQ_CONNECTIONS);
  const startedAt = performance.now();
  if (name === 'bare') {
    const { port, child } = await spawnServer([path.join(__dirname, 'servers', 'bare-relay-server.js')], { PORT: '0' }, /LISTENING (\d+)/);
    const conns = await Promise.all(Array.from({ length: users }, () => BenchConn.open(port)));
    await Promise.all(
      conns.map((c, i) => {
        c.userId = `u${i}`;
        return c.request('bench/hello', { user_id: c.userId, groups: i < GROUP_SIZE ? ['g'] : [] });
      }),
    );
    return { name, port, child, conns, groupId: 'g', startedAt, cleanup: async () => undefined };
  }
  let extra: NodeJS.ProcessEnv = {};
  let cleanup = async () => undefined as void;
  if (name.startsWith('postgres')) {
    const schema = `bench_${randomBytes(4).toString('hex')}`;
    const admin = new Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    extra = { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, MIGRATIONS_RUN: 'on' };
    cleanup = async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    };
  }
  if (name === 'sqlite-full') extra = { SQLITE_SYNCHRONOUS: 'full' };
  // "<server>-before": the same server from another build (BENCH_BEFORE_ROOT, e.g. an older
  // checkout with its own dist/), to compare two builds in one run.
  const root = name.endsWith('-before') ? path.resolve(env.BENCH_BEFORE_ROOT ?? ROOT) : ROOT;
  const { port, child } = await spawnServer([path.join(root, 'dist', 'src', 'main.js')], switchboardEnv(extra), SWITCHBOARD_READY);
  const tag = randomBytes(3).toString('hex');
  const conns: BenchConn[] = [];
  // A few at a time (password hashing is deliberately slow and bounded), each connection opened
  // just before it logs in (connections that stay anonymous are closed after AUTH_TIMEOUT_MS).
  for (let i = 0; i < users; i += 8) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(8, users - i) }, async (_, k) => {
        const c = await BenchConn.open(port);
        const username = `b${tag}${i + k}`;
        const password = 'bench-password-1';
        await c.call('auth/register', { username, password });
        const login = await c.call('auth/login', { username, password, client_info: { device: 'bench' } });
        c.userId = String(login.payload.user_id);
        c.token = String(login.payload.token);
        return c;
      }),
    );
    conns.push(...batch);
  }
  const members = conns.slice(1, Math.min(GROUP_SIZE, conns.length)).map((c) => c.userId);
  const created = await conns[0].request('group/create', { name: 'bench', members });
  if (created.payload.status !== 200) throw new Error(`group/create: ${JSON.stringify(created.payload)}`);
  return { name, port, child, conns, groupId: String(created.payload.conversation_id), startedAt, cleanup };
}

let textSeq = 0;
/**
 * BENCH_TEXT_CHARS: each message text is this many characters of a mixed English/Chinese
 * sentence before its number (default 0: just `t<n>`), so costs that grow with the text (the
 * search index) show.
 */
const TEXT_PREFIX = 'Deploy the 新版本 to staging after 项目评审会议; the reviewers check the quarterly report and 日志 first. '.repeat(100).slice(0, Number(env.BENCH_TEXT_CHARS ?? 0));
function sendTo(target: { type: string; id: string }): NextRequest {
  return () => ({ command: 'message/send', payload: { target, content: { type: 'text', text: `${TEXT_PREFIX}t${++textSeq}` } } });
}

async function measure(server: Server, scenario: Scenario, start: (state: LoadState) => BenchConn[]): Promise<Sample> {
  const state = new LoadState();
  const active = start(state);
  await delay(WARMUP_MS);
  state.measuring = true;
  const t0 = performance.now();
  const cpu0 = cpuMs(server.child.pid);
  await delay(DURATION_MS);
  state.measuring = false;
  const cpu = cpuMs(server.child.pid) - cpu0;
  const seconds = (performance.now() - t0) / 1000;
  state.sending = false;
  // Let what is in flight finish before the next scenario starts on the same server.
  const deadline = performance.now() + 60_000;
  while (active.some((c) => c.outstanding > 0) && performance.now() < deadline) await delay(20);
  await delay(100);
  for (const c of active) c.stopLoad();
  if (state.firstError) console.error(`  ${server.name}/${scenario}: ${state.errors} errors, first: ${state.firstError}`);
  const sorted = Float64Array.from(state.latencies).sort();
  return {
    server: server.name,
    scenario,
    rate: state.completed / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    cpuUsPerUnit: (cpu * 1000) / Math.max(1, state.completed),
    errors: state.errors,
    window: [(t0 - server.startedAt) / 1000, (t0 - server.startedAt) / 1000 + seconds],
  };
}

function run(server: Server, scenario: Scenario): Promise<Sample> {
  const c = server.conns;
  switch (scenario) {
    case 'relay':
    case 'latency': {
      // latency uses its own pair, after the relay pairs.
      const pairs = scenario === 'relay' ? PAIRS : 1;
      const inFlight = scenario === 'relay' ? IN_FLIGHT : 1;
      const offset = scenario === 'relay' ? 0 : 2 * PAIRS;
      return measure(server, scenario, (state) => {
        const active: BenchConn[] = [];
        for (let p = 0; p < pairs; p++) {
          const [a, b] = [c[offset + 2 * p], c[offset + 2 * p + 1]];
          b.receive(state);
          a.startLoad(state, inFlight, sendTo({ type: 'user', id: b.userId }), { latencyOnEvent: true });
          active.push(a, b);
        }
        return active;
      });
    }
    case 'group':
      return measure(server, scenario, (state) => {
        const members = c.slice(0, GROUP_SIZE);
        for (const m of members) m.receive(state);
        // Senders count deliveries too (events of the others' messages); latency = first delivery.
        for (const s of members.slice(0, GROUP_SENDERS)) s.startLoad(state, IN_FLIGHT, sendTo({ type: 'group', id: server.groupId }), { latencyOnEvent: true });
        return members;
      });
    case 'reactions':
      return (async () => {
        // One message to react to; each sender toggles its 👍 on it (every request is a change).
        const seed = await c[0].call('message/send', { target: { type: 'group', id: server.groupId }, content: { type: 'text', text: 'react here' } });
        const seq = Number(seed.payload.seq);
        return measure(server, scenario, (state) => {
          const members = c.slice(0, GROUP_SIZE);
          for (const m of members) m.receive(state);
          for (const s of members.slice(0, GROUP_SENDERS)) {
            let on = false;
            const next: NextRequest = () => ((on = !on), { command: on ? 'reaction/add' : 'reaction/remove', payload: { conversation_id: server.groupId, seq, emoji: '👍' } });
            s.startLoad(state, IN_FLIGHT, next, { latencyOnEvent: true });
          }
          return members;
        });
      })();
    case 'auth':
    case 'ping':
      return measure(server, scenario, (state) => {
        const active = c.slice(0, REQ_CONNECTIONS);
        for (const a of active) {
          const next: NextRequest =
            scenario === 'ping' || server.name === 'bare'
              ? () => ({ command: 'control/ping', payload: {} })
              : () => ({ command: 'presence/list', payload: { user_ids: [a.userId] } });
          a.startLoad(state, REQ_IN_FLIGHT, next);
        }
        return active;
      });
  }
}

async function main(): Promise<void> {
  console.log(`relay bench: ${REPEAT} rounds × ${DURATION_MS} ms measured after ${WARMUP_MS} ms warm-up; relay ${PAIRS} pairs × ${IN_FLIGHT} in flight; group ${GROUP_SIZE} members, ${GROUP_SENDERS} senders × ${IN_FLIGHT}`);
  console.log(`${machineLine()}\n`);
  const samples: Sample[] = [];
  for (let round = 1; round <= REPEAT; round++) {
    for (const name of SERVERS) {
      const server = await startServer(name);
      try {
        for (const scenario of SCENARIOS as Scenario[]) {
          if ((scenario === 'group' || scenario === 'reactions') && name.startsWith('postgres') && !env.BENCH_GROUP_ON_PG) continue;
          if (scenario === 'reactions' && name === 'bare') continue;
          const sample = await run(server, scenario);
          samples.push(sample);
          console.log(`round ${round} ${name.padEnd(11)} ${scenario.padEnd(8)} ${Math.round(sample.rate).toString().padStart(8)} ${UNIT[scenario]}/s  p50 ${sample.p50.toFixed(2)} ms  p99 ${sample.p99.toFixed(2)} ms  ${sample.cpuUsPerUnit.toFixed(1)} µs CPU/${UNIT[scenario]}  (window ${sample.window[0].toFixed(1)}–${sample.window[1].toFixed(1)} s)`);
        }
      } finally {
        for (const c of server.conns) c.close();
        await stop(server.child);
        await server.cleanup();
      }
    }
  }
  const rows = [];
  for (const scenario of SCENARIOS as Scenario[]) {
    const baseline = median(samples.filter((s) => s.server === 'bare' && s.scenario === (scenario === 'auth' ? 'ping' : scenario)).map((s) => s.rate));
    for (const name of SERVERS) {
      const mine = samples.filter((s) => s.server === name && s.scenario === scenario);
      if (mine.length === 0 || (name === 'bare' && scenario === 'auth')) continue;
      const rate = median(mine.map((s) => s.rate));
      rows.push({
        scenario: scenario === 'auth' ? 'auth (presence/list)' : scenario,
        server: name,
        [`rate/s`]: `${Math.round(rate)} ${UNIT[scenario]}`,
        'p50 ms': median(mine.map((s) => s.p50)).toFixed(2),
        'p99 ms': median(mine.map((s) => s.p99)).toFixed(2),
        'vs bare': `${(rate / baseline).toFixed(3)}×`,
        'CPU µs/unit': median(mine.map((s) => s.cpuUsPerUnit)).toFixed(1),
        errors: mine.reduce((n, s) => n + s.errors, 0),
      });
    }
  }
  console.log(`\nmedians of ${REPEAT} rounds (baseline: the bare relay's same scenario; auth is compared with the bare ping)`);
  console.table(rows);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

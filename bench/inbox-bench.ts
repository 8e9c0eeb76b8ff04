/**
 * Inbox bench: `conversation/list` for a user in BENCH_INBOX_CONVERSATIONS conversations (default
 * 500: groups with one of a few peers each, plus the direct conversations with those peers), every
 * one with unread messages from a peer — some mentioning the user — so each listed conversation
 * needs its last message, unread count and mention count. Measures one request at a time (the
 * latency a client's first screen waits for): the first page (limit 30), a page of 100, and a
 * walk through every page of 100; p50/p99 per server (fresh SQLite file, PostgreSQL throwaway
 * schema), BENCH_INBOX_REQUESTS requests each.
 *
 *   node dist/bench/inbox-bench.js      BENCH_SERVERS=sqlite,postgres
 *
 * A measurement tool, never a test assertion.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { Client } from 'pg';
import { BenchConn } from './bench-client';
import { machineLine, percentile, ROOT, spawnServer, stop, SWITCHBOARD_READY, switchboardEnv } from './bench-util';

const env = process.env;
const CONVERSATIONS = Number(env.BENCH_INBOX_CONVERSATIONS ?? 500);
const PEERS = 5;
const MESSAGES_PER_CONVERSATION = Number(env.BENCH_INBOX_MESSAGES ?? 3);
const REQUESTS = Number(env.BENCH_INBOX_REQUESTS ?? 200);
const SERVERS = (env.BENCH_SERVERS ?? 'sqlite,postgres').split(',').map((s) => s.trim());
const PG_URL = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function login(port: number, username: string, register = true): Promise<BenchConn> {
  const c = await BenchConn.open(port);
  const password = 'bench-password-1';
  if (register) await c.call('auth/register', { username, password });
  const answer = await c.call('auth/login', { username, password, client_info: { device: 'bench' } });
  c.userId = String(answer.payload.user_id);
  c.token = String(answer.payload.token);
  return c;
}

async function timed(conn: BenchConn, payload: Record<string, unknown>): Promise<{ ms: number; frame: Awaited<ReturnType<BenchConn['call']>> }> {
  const t0 = performance.now();
  const frame = await conn.call('conversation/list', payload);
  return { ms: performance.now() - t0, frame };
}

function line(name: string, what: string, samples: number[]): string {
  const sorted = Float64Array.from(samples).sort();
  return `| ${name} | ${what} | ${samples.length} | ${percentile(sorted, 50).toFixed(2)} | ${percentile(sorted, 99).toFixed(2)} |`;
}

async function bench(name: string): Promise<string[]> {
  let extra: NodeJS.ProcessEnv = {};
  let cleanup = async () => undefined as void;
  if (name === 'postgres') {
    const schema = `bench_inbox_${randomBytes(4).toString('hex')}`;
    extra = { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema };
    cleanup = async () => {
      const pg = new Client({ connectionString: PG_URL });
      await pg.connect();
      await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pg.end();
    };
  }
  const { port, child } = await spawnServer([path.join(ROOT, 'dist', 'src', 'main.js')], switchboardEnv(extra), SWITCHBOARD_READY);
  try {
    const tag = randomBytes(3).toString('hex');
    const me = await login(port, `i${tag}me`);
    const registered: BenchConn[] = [];
    for (let i = 0; i < PEERS; i++) registered.push(await login(port, `i${tag}p${i}`));
    const targets: { type: string; id: string }[] = registered.map(() => ({ type: 'user', id: me.userId }));
    for (let i = targets.length; i < CONVERSATIONS; i++) {
      const created = await me.call('group/create', { name: `g${i}`, members: [registered[i % PEERS].userId] });
      targets.push({ type: 'group', id: String(created.payload.conversation_id) });
    }
    // The peers sat idle through the set-up (a slow machine may pass the heartbeat timeout): fresh connections.
    for (const c of registered) c.close();
    const peers: BenchConn[] = [];
    for (let i = 0; i < PEERS; i++) peers.push(await login(port, `i${tag}p${i}`, false));
    // Unread traffic everywhere; every fourth conversation's last message mentions me.
    for (let round = 0; round < MESSAGES_PER_CONVERSATION; round++) {
      await Promise.all(
        peers.map(async (peer, p) => {
          for (let i = p; i < targets.length; i += PEERS) {
            const mention = round === MESSAGES_PER_CONVERSATION - 1 && i % 4 === 0 ? { mentions: [me.userId] } : {};
            await peer.call('message/send', { target: targets[i], content: { type: 'text', text: `m${round} in ${i}`, ...mention } });
          }
        }),
      );
    }
    // Same for me, idle while the peers sent: a fresh connection for the measured requests.
    me.close();
    const reader = await login(port, `i${tag}me`, false);
    const first = await timed(reader, {});
    const listed = first.frame.payload.conversations as { unread_count: number }[];
    if (listed.length !== 30 || listed.some((c) => c.unread_count !== MESSAGES_PER_CONVERSATION)) throw new Error(`unexpected first page: ${JSON.stringify(listed[0])}`);

    const page30: number[] = [];
    const page100: number[] = [];
    const walks: number[] = [];
    for (let i = 0; i < REQUESTS; i++) page30.push((await timed(reader, {})).ms);
    for (let i = 0; i < REQUESTS; i++) page100.push((await timed(reader, { limit: 100 })).ms);
    for (let i = 0; i < Math.max(10, REQUESTS / 10); i++) {
      const t0 = performance.now();
      let cursor: string | undefined;
      let seen = 0;
      for (;;) {
        const { frame } = await timed(reader, { limit: 100, ...(cursor ? { cursor } : {}) });
        seen += (frame.payload.conversations as unknown[]).length;
        if (!frame.payload.has_more) break;
        cursor = String(frame.payload.next_cursor);
      }
      if (seen !== CONVERSATIONS) throw new Error(`walk saw ${seen} conversations, expected ${CONVERSATIONS}`);
      walks.push(performance.now() - t0);
    }
    for (const c of [reader, ...peers]) c.close();
    return [line(name, 'first page (limit 30)', page30), line(name, 'page of 100', page100), line(name, `all ${CONVERSATIONS} (5 pages of 100)`, walks)];
  } finally {
    await stop(child);
    await cleanup();
  }
}

async function main(): Promise<void> {
  console.log(machineLine());
  console.log(`conversation/list for a user in ${CONVERSATIONS} conversations, ${MESSAGES_PER_CONVERSATION} unread each (a quarter with a mention); one request at a time, ms`);
  console.log('| server | request | n | p50 ms | p99 ms |');
  console.log('|---|---|---|---|---|');
  for (const name of SERVERS) for (const row of await bench(name)) console.log(row);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

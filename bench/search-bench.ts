/**
 * Search bench: `message/search` over BENCH_SEARCH_MESSAGES messages (default 1,000,000) on each
 * engine (BENCH_SERVERS=sqlite,postgres). For each server: a fresh database, the real built
 * server, BENCH_SEARCH_GROUPS groups (default 1000) made over TCP — the searcher is a member of
 * BENCH_SEARCH_MEMBER_OF of them (default 100, so about a tenth of the corpus is theirs to
 * search) — then the generator writes the messages straight into `messages` in transactions of
 * 5,000 rows while the server runs, so the search index is built exactly as the write path
 * builds it (SQLite triggers, PostgreSQL GIN maintenance) and the insert rate is the indexing
 * cost at bulk. Texts: 45 % English, 45 % Chinese, 10 % mixed, 5–25 words from fixed word lists
 * (deterministic PRNG); `deploy` (English) and `会议` (Chinese) occur in ≈ 5 % of the messages,
 * `xylophone` and `麒麟计划` in exactly 20.
 *
 * Measured one request at a time (BENCH_SEARCH_REQUESTS each, default 50): common and rare terms
 * in English and Chinese (2 characters: the grams index; 3+: trigram), two words, relevance
 * order, one conversation; p50/p99 and the first page's size. Also the index's size.
 *
 *   npm run bench:search      BENCH_SEARCH_MESSAGES=200000 for a quicker run
 *
 * A measurement tool, never a test assertion.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { Client } from 'pg';
import { registerSqliteFunctions } from '../src/database/sqlite-functions';
import { BenchConn } from './bench-client';
import { machineLine, percentile, ROOT, spawnServer, stop, SWITCHBOARD_READY, switchboardEnv } from './bench-util';

const env = process.env;
const MESSAGES = Number(env.BENCH_SEARCH_MESSAGES ?? 1_000_000);
const GROUPS = Number(env.BENCH_SEARCH_GROUPS ?? 1000);
const MEMBER_OF = Number(env.BENCH_SEARCH_MEMBER_OF ?? 100);
const REQUESTS = Number(env.BENCH_SEARCH_REQUESTS ?? 50);
const SERVERS = (env.BENCH_SERVERS ?? 'sqlite,postgres').split(',').map((s) => s.trim());
const PG_URL = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BATCH = 5000;
const RARE = 20;

const EN = (
  'the a to and of in is it you that for on with this be are have we will can just not do at so but if about what when team ' +
  'build release review code test bug fix server client update merge branch ticket sprint plan design doc meeting call today ' +
  'tomorrow week please thanks check look need done ready issue change config data user api error log deploy staging ' +
  'production customer report budget quarter number draft note lunch coffee later morning afternoon question answer idea'
).split(' ').filter((w) => w !== 'deploy');
const ZH = (
  '我们 今天 明天 下午 上午 项目 评审 需要 已经 可以 问题 方案 客户 版本 发布 测试 代码 服务 数据 用户 接口 错误 日志 配置 ' +
  '计划 文档 设计 团队 进度 周报 预算 报告 确认 完成 处理 更新 修改 检查 讨论 安排 时间 地点 大家 谢谢 好的 没问题 收到 辛苦'
).split(' ');

/** mulberry32: the same corpus every run. */
function prng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function textOf(i: number, rnd: () => number): string {
  const pick = <T>(list: T[]) => list[Math.floor(rnd() * list.length)];
  const lang = rnd();
  const n = 5 + Math.floor(rnd() * 21);
  const words: string[] = [];
  for (let k = 0; k < n; k++) words.push(lang < 0.45 || (lang >= 0.9 && rnd() < 0.5) ? pick(EN) : pick(ZH));
  const zh = lang >= 0.45 && lang < 0.9;
  if (rnd() < 0.05) words.splice(Math.floor(rnd() * words.length), 0, zh ? '会议' : 'deploy');
  if (rnd() < 0.05 && lang >= 0.9) words.push('会议');
  if (i % Math.floor(MESSAGES / RARE) === 7) words.push(zh ? '麒麟计划' : 'xylophone');
  return zh ? words.join('') : words.join(' ');
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
function base32(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = CROCKFORD[n % 32] + out;
    n = Math.floor(n / 32);
  }
  return out;
}

async function login(port: number, username: string, register = true): Promise<BenchConn> {
  const c = await BenchConn.open(port);
  const password = 'bench-password-1';
  if (register) await c.call('auth/register', { username, password });
  const answer = await c.call('auth/login', { username, password, client_info: { device: 'bench' } });
  c.userId = String(answer.payload.user_id);
  c.token = String(answer.payload.token);
  return c;
}

interface Rows {
  ids: string[];
  conversations: string[];
  seqs: number[];
  senders: string[];
  contents: string[];
  sentAt: number[];
}

/** Writes the corpus: `write` stores one batch (one transaction); returns rows/s. */
async function generate(groups: string[], members: Map<string, string[]>, write: (rows: Rows) => Promise<void>): Promise<{ rate: number; lastSeq: Map<string, number> }> {
  const rnd = prng(26);
  const lastSeq = new Map<string, number>();
  const start = Date.now() - 365 * 86_400_000;
  const step = (365 * 86_400_000) / MESSAGES;
  const t0 = performance.now();
  let lastLog = t0;
  for (let from = 0; from < MESSAGES; from += BATCH) {
    const rows: Rows = { ids: [], conversations: [], seqs: [], senders: [], contents: [], sentAt: [] };
    for (let i = from; i < Math.min(MESSAGES, from + BATCH); i++) {
      const conversation = groups[Math.floor(rnd() * groups.length)];
      const seq = (lastSeq.get(conversation) ?? 0) + 1;
      lastSeq.set(conversation, seq);
      const at = Math.floor(start + i * step);
      const who = members.get(conversation)!;
      rows.ids.push(`m-${base32(at, 10)}${base32(i, 16)}`);
      rows.conversations.push(conversation);
      rows.seqs.push(seq);
      rows.senders.push(who[Math.floor(rnd() * who.length)]);
      rows.contents.push(JSON.stringify({ type: 'text', text: textOf(i, rnd) }));
      rows.sentAt.push(at);
    }
    await write(rows);
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      process.stderr.write(`  ${from + BATCH} messages written (${Math.round((from + BATCH) / ((lastLog - t0) / 1000))}/s)\n`);
    }
  }
  return { rate: MESSAGES / ((performance.now() - t0) / 1000), lastSeq };
}

function line(name: string, what: string, samples: number[], hits: number): string {
  const sorted = Float64Array.from(samples).sort();
  return `| ${name} | ${what} | ${hits} | ${samples.length} | ${percentile(sorted, 50).toFixed(1)} | ${percentile(sorted, 99).toFixed(1)} |`;
}

async function bench(name: string): Promise<string[]> {
  let extra: NodeJS.ProcessEnv = {};
  const schema = `bench_search_${randomBytes(4).toString('hex')}`;
  if (name === 'postgres') extra = { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, MIGRATIONS_RUN: 'on' };
  const serverEnv = switchboardEnv(extra);
  const pg = name === 'postgres' ? new Client({ connectionString: PG_URL }) : undefined;
  if (pg) {
    await pg.connect();
    await pg.query(`CREATE SCHEMA "${schema}"`);
  }
  const { port, child } = await spawnServer([path.join(ROOT, 'dist', 'src', 'main.js')], serverEnv, SWITCHBOARD_READY);
  try {
    const tag = randomBytes(3).toString('hex');
    const me = await login(port, `s${tag}me`);
    const peer = await login(port, `s${tag}peer`);
    const other = await login(port, `s${tag}other`);
    // Groups over TCP, 16 in flight: the first MEMBER_OF with me in them.
    const groups: string[] = new Array<string>(GROUPS);
    const members = new Map<string, string[]>();
    for (let from = 0; from < GROUPS; from += 16) {
      await Promise.all(
        Array.from({ length: Math.min(16, GROUPS - from) }, async (_, k) => {
          const i = from + k;
          const mine = i < MEMBER_OF;
          const created = await (mine ? me : peer).call('group/create', { name: `g${i}`, members: [mine ? peer.userId : other.userId] });
          groups[i] = String(created.payload.conversation_id);
          members.set(groups[i], mine ? [me.userId, peer.userId] : [peer.userId, other.userId]);
        }),
      );
    }
    process.stderr.write(`${name}: ${GROUPS} groups created; writing ${MESSAGES} messages\n`);

    let generated: { rate: number; lastSeq: Map<string, number> };
    let sizes: string;
    if (name === 'postgres') {
      const t = (table: string) => `"${schema}"."${table}"`;
      generated = await generate(groups, members, async (r) => {
        await pg!.query(
          `INSERT INTO ${t('messages')} ("id", "conversation_id", "seq", "sender_id", "client_msg_id", "content_hash", "content", "attachments", "meta", "sent_at") ` +
            `SELECT id, c, s, u, id, '', body, '[]', '{}', at FROM unnest($1::varchar[], $2::varchar[], $3::int[], $4::varchar[], $5::text[], $6::bigint[]) AS x(id, c, s, u, body, at)`,
          [r.ids, r.conversations, r.seqs, r.senders, r.contents, r.sentAt],
        );
      });
      await pg!.query(`UPDATE ${t('conversations')} c SET "last_seq" = v.s FROM unnest($1::varchar[], $2::int[]) AS v(id, s) WHERE c."id" = v.id`, [[...generated.lastSeq.keys()], [...generated.lastSeq.values()]]);
      await pg!.query(`VACUUM ANALYZE ${t('messages')}`);
      const size = await pg!.query(
        `SELECT pg_size_pretty(pg_relation_size($1::regclass)) AS heap, pg_size_pretty(pg_relation_size($2::regclass)) AS trgm, pg_size_pretty(pg_relation_size($3::regclass)) AS grams`,
        [t('messages'), `"${schema}"."IDX_messages_search_trgm"`, `"${schema}"."IDX_messages_search_grams"`],
      );
      sizes = `messages heap ${size.rows[0].heap}; trigram index ${size.rows[0].trgm}; grams index ${size.rows[0].grams}`;
    } else {
      // The generator's own connection to the server's file (WAL: the server keeps serving).
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- better-sqlite3 ships no typings
      const Database = require('better-sqlite3') as new (file: string) => { prepare(sql: string): any; transaction(fn: () => void): () => void; pragma(s: string): unknown; close(): void };
      const db = new Database(serverEnv.SQLITE_PATH!);
      db.pragma('busy_timeout = 10000');
      registerSqliteFunctions(db as never);
      const insert = db.prepare(
        `INSERT INTO "messages" ("id", "conversation_id", "seq", "sender_id", "client_msg_id", "content_hash", "content", "attachments", "meta", "sent_at") VALUES (?, ?, ?, ?, ?, '', ?, '[]', '{}', ?)`,
      );
      generated = await generate(groups, members, async (r) => {
        db.transaction(() => {
          for (let i = 0; i < r.ids.length; i++) insert.run(r.ids[i], r.conversations[i], r.seqs[i], r.senders[i], r.ids[i], r.contents[i], r.sentAt[i]);
        })();
        await new Promise((resolve) => setImmediate(resolve));
      });
      const bump = db.prepare(`UPDATE "conversations" SET "last_seq" = ? WHERE "id" = ?`);
      db.transaction(() => {
        for (const [id, s] of generated.lastSeq) bump.run(s, id);
      })();
      db.prepare('ANALYZE').run();
      const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
      const sum = (like: string) => Number((db.prepare(`SELECT COALESCE(SUM(pgsize), 0) AS n FROM dbstat WHERE name LIKE ?`).get(like) as { n: number }).n);
      sizes = `messages table ${mb(sum('messages'))}; FTS5 tables ${mb(sum('message_search%'))}, of which the 2-gram table ${mb(sum('message_search_short%'))}`;
      db.close();
    }
    me.close();
    const reader = await login(port, `s${tag}me`, false);
    const rows: string[] = [`| ${name} | generator: ${MESSAGES} messages written with indexing | | | ${Math.round(generated.rate)} rows/s | |`, `| ${name} | ${sizes} | | | | |`];
    const queries: [string, Record<string, unknown>][] = [
      ['common English word `deploy`', { query: 'deploy' }],
      ['rare English word `xylophone`', { query: 'xylophone' }],
      ['common Chinese 2-char `会议` (grams)', { query: '会议' }],
      ['rare Chinese 4-char `麒麟计划` (trigram)', { query: '麒麟计划' }],
      ['rare Chinese 2-char `麒麟` (grams)', { query: '麒麟' }],
      ['two common words `deploy staging`', { query: 'deploy staging' }],
      ['`deploy`, order relevance', { query: 'deploy', order: 'relevance' }],
      ['`会议` in one conversation', { query: '会议', conversation_id: groups[0] }],
      ['`deploy` page 2 (cursor)', { query: 'deploy' }],
    ];
    for (const [what, payload] of queries) {
      let body = { ...payload, limit: 20 };
      if (what.includes('page 2')) {
        const first = await reader.call('message/search', body);
        body = { ...body, cursor: first.payload.next_cursor } as typeof body;
      }
      const samples: number[] = [];
      let hits = 0;
      for (let i = 0; i < REQUESTS; i++) {
        const t0 = performance.now();
        const f = await reader.call('message/search', body);
        samples.push(performance.now() - t0);
        hits = (f.payload.results as unknown[]).length;
      }
      rows.push(line(name, what, samples, hits));
    }
    for (const c of [reader, peer, other]) c.close();
    return rows;
  } finally {
    await stop(child);
    if (pg) {
      await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await pg.end();
    }
  }
}

async function main(): Promise<void> {
  console.log(machineLine());
  console.log(`message/search over ${MESSAGES} messages in ${GROUPS} groups; the searcher is in ${MEMBER_OF} of them; one request at a time, limit 20, ms`);
  console.log('| server | query | hits on page | n | p50 ms | p99 ms |');
  console.log('|---|---|---|---|---|---|');
  for (const name of SERVERS) for (const row of await bench(name)) console.log(row);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

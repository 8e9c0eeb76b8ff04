/**
 * `npm run admin -- search:reindex` against a running server's database, on the current engine:
 * an index that lost entries, triggers or indexes is rebuilt while the server keeps serving.
 * SQLite: batched, newest first, resumable (a run stopped with --batches continues from its
 * checkpoint). PostgreSQL: missing indexes are created again (CONCURRENTLY); without the trigram
 * index, searches give the same answers through the grams index.
 * Also: a message deleted from the table (retention, erasure) leaves the index with it.
 */
import { Readable, Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { runAdmin } from '../../../src/cli/admin';
import { startTestApp, TestApp } from '../../support/test-app';
import { testEngine } from '../../support/test-db';
import type { LoggedInUser } from '../../support/users';
import { createGroup, newUser, text } from './message-helpers';

jest.setTimeout(90_000);

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

describe(`search:reindex on ${testEngine()}`, () => {
  let app: TestApp;
  let ds: DataSource;
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  let group: string;
  const texts = ['明天下午三点开项目评审会议', 'review the 评审 notes', 'quarterly review', '会议纪要', 'nothing to see', 'QA 评审 done', 'last review 会议'];

  const admin = async (args: string[]) => {
    const stdout = new Collect();
    const stderr = new Collect();
    const code = await runAdmin(args, { env: app.env, stdin: Readable.from(['']), stdout, stderr });
    return { code, out: stdout.text, err: stderr.text };
  };
  const found = async (query: string) => ((await bob.client.call('message/search', { query, conversation_id: group })).results as any[]).map((r) => r.seq as number);
  const table = (name: string) => (testEngine() === 'postgres' ? `"${app.env.DATABASE_SCHEMA}"."${name}"` : `"${name}"`);

  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0' });
    ds = app.app.get(DataSource);
    [alice, bob] = [await newUser(app), await newUser(app)];
    group = await createGroup(alice, [bob.userId], 'reindex');
    for (const t of texts) await alice.client.call('message/send', { target: { type: 'group', id: group }, content: text(t) });
  });
  afterAll(() => app?.close());

  const expected = { '评审': [6, 2, 1], review: [7, 3, 2], '会议': [7, 4, 1] };
  const all = async () => ({ '评审': await found('评审'), review: await found('review'), '会议': await found('会议') });

  it('rebuilds a broken index while the server runs', async () => {
    expect(await all()).toEqual(expected);
    if (testEngine() === 'sqlite') {
      // Lose every entry and the insert trigger (what a table rebuild or an old backup does).
      await ds.query(`INSERT INTO "message_search"("message_search") VALUES ('delete-all')`);
      await ds.query(`INSERT INTO "message_search_short"("message_search_short") VALUES ('delete-all')`);
      await ds.query(`DROP TRIGGER "message_search_ai"`);
      expect(await all()).toEqual({ '评审': [], review: [], '会议': [] });

      // Stopped after one batch of 3 rows (newest first): the newest rows are back already.
      const first = await admin(['search:reindex', '--batch', '3', '--batches', '1']);
      expect(first).toMatchObject({ code: 0, err: '' });
      expect(first.out).toContain('restored 1 missing search table(s)/trigger(s)');
      expect(first.out).toMatch(/stopped after 1 batch\(es\) at rowid \d+; run search:reindex again to continue/);
      const partial = await found('review');
      expect(partial).toContain(7);
      expect(partial).not.toContain(2);

      const second = await admin(['search:reindex', '--batch', '3']);
      expect(second.code).toBe(0);
      expect(second.out).toMatch(/resuming at rowid \d+ of \d+/);
      expect(second.out).toContain('search index complete');
      expect(await all()).toEqual(expected);
      // The restored trigger indexes new messages.
      await alice.client.call('message/send', { target: { type: 'group', id: group }, content: text('新的评审') });
      expect(await found('评审')).toEqual([8, 6, 2, 1]);
      // Nothing left to resume: the next run starts over and completes.
      const third = await admin(['search:reindex']);
      expect(third.out).toMatch(/reindexing messages up to rowid \d+/);
    } else {
      // Without the trigram index the grams index answers the same.
      await ds.query(`DROP INDEX ${table('IDX_messages_search_trgm')}`);
      expect(await all()).toEqual(expected);
      const run = await admin(['search:reindex']);
      expect(run.code).toBe(0);
      expect(run.out).toContain('IDX_messages_search_trgm: missing, creating (CONCURRENTLY)');
      expect(run.out).toContain('IDX_messages_search_grams: present and valid');
      const rows = await ds.query(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'IDX_messages_search_%' ORDER BY indexname`, [app.env.DATABASE_SCHEMA]);
      expect(rows.map((r: { indexname: string }) => r.indexname)).toEqual(['IDX_messages_search_grams', 'IDX_messages_search_trgm']);
      const rebuilt = await admin(['search:reindex', '--restart']);
      expect(rebuilt.out).toContain('IDX_messages_search_trgm: rebuilding (REINDEX CONCURRENTLY)');
      expect(await all()).toEqual(expected);
    }
  });

  it('a message deleted from the table (retention, erasure) is no longer found', async () => {
    await ds.query(`DELETE FROM ${table('messages')} WHERE "conversation_id" = ${testEngine() === 'postgres' ? '$1' : '?'} AND "seq" = 7`, [group]);
    expect(await found('review')).toEqual([3, 2]);
    expect(await found('会议')).toEqual([4, 1]);
  });

  it('bad arguments are usage errors', async () => {
    const bad = await admin(['search:reindex', '--batch', '0']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--batch needs a positive integer');
  });
});

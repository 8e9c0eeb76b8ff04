/**
 * `npm run admin -- search:reindex`: rebuilds the message search index of an existing database
 * (after restoring a backup made without it, a table rebuild that changed SQLite rowids, or
 * installing pg_trgm later). Safe while the server runs.
 *
 * SQLite: restores missing FTS tables or triggers, then replaces the index entries of `messages`
 * in rowid ranges of `batchSize`, newest first (recent messages are right first), one short
 * transaction per batch (the server's writes go in between, and every range is replaced
 * atomically, so searches stay correct throughout). The position is kept in
 * `message_search_reindex` after every batch: an interrupted run (or one stopped with
 * `maxBatches`) continues where it stopped; `restart` starts over.
 *
 * PostgreSQL: the indexes are expression indexes PostgreSQL keeps itself; this creates missing or
 * invalid ones (an interrupted CREATE INDEX CONCURRENTLY leaves an invalid one) with CREATE INDEX
 * CONCURRENTLY, the trigram one as soon as pg_trgm can be installed; `restart` rebuilds valid ones
 * with REINDEX INDEX CONCURRENTLY. Writers are never blocked.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { isSqlite, writeTransaction } from '../../database/write-transaction';
import { REINDEX_STATE_TABLE, searchSchema } from './message-search-sql';

export interface ReindexOptions {
  /** Rows (rowids) per transaction on SQLite. */
  batchSize?: number;
  /** Start over instead of continuing (SQLite); rebuild valid indexes too (PostgreSQL). */
  restart?: boolean;
  /** Stop after this many batches (SQLite); the next run continues. */
  maxBatches?: number;
  log: (line: string) => void;
}

export const DEFAULT_REINDEX_BATCH = 2000;

@Injectable()
export class MessageSearchIndexer {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Returns true when the index is complete, false when stopped early (maxBatches). */
  reindex(options: ReindexOptions): Promise<boolean> {
    return isSqlite(this.dataSource) ? this.sqlite(options) : this.postgres(options);
  }

  private async sqlite(o: ReindexOptions): Promise<boolean> {
    const ds = this.dataSource;
    const s = searchSchema(ds);
    const batch = o.batchSize ?? DEFAULT_REINDEX_BATCH;
    const objects = async () => ((await ds.query(`SELECT COUNT(*) AS n FROM sqlite_master WHERE name LIKE 'message_search%'`)) as { n: number }[])[0].n;
    const before = await objects();
    await writeTransaction(ds, async (m) => {
      for (const sql of s.sqliteUp.filter((q) => q.startsWith('CREATE'))) await m.query(sql);
    });
    const after = await objects();
    if (after > before) o.log(`restored ${after - before} missing search table(s)/trigger(s)`);

    type State = { next_rowid: number; high_rowid: number; started_at: number };
    let state = ((await ds.query(`SELECT "next_rowid", "high_rowid", "started_at" FROM "${REINDEX_STATE_TABLE}" WHERE "id" = 1`)) as State[])[0];
    if (!state || o.restart) {
      const high = Number(((await ds.query(`SELECT COALESCE(MAX(rowid), 0) AS high FROM "messages"`)) as { high: number }[])[0].high);
      state = { next_rowid: high, high_rowid: high, started_at: Date.now() };
      await writeTransaction(ds, (m) =>
        m.query(`INSERT OR REPLACE INTO "${REINDEX_STATE_TABLE}" ("id", "next_rowid", "high_rowid", "started_at") VALUES (1, ?, ?, ?)`, [high, high, state.started_at]),
      );
      // Rows written from now on are indexed by the triggers.
      o.log(`reindexing messages up to rowid ${high}, newest first, ${batch} per batch`);
    } else {
      o.log(`resuming at rowid ${state.next_rowid} of ${state.high_rowid} (started ${new Date(Number(state.started_at)).toISOString()})`);
    }

    let next = Number(state.next_rowid);
    const high = Math.max(1, Number(state.high_rowid));
    let batches = 0;
    let lastLog = Date.now();
    while (next >= 1) {
      if (o.maxBatches !== undefined && batches >= o.maxBatches) {
        o.log(`stopped after ${batches} batch(es) at rowid ${next}; run search:reindex again to continue`);
        return false;
      }
      const low = Math.max(1, next - batch + 1);
      await writeTransaction(ds, async (m) => {
        for (const sql of s.sqliteReindexRange) await m.query(sql, [low, next]);
        await m.query(`UPDATE "${REINDEX_STATE_TABLE}" SET "next_rowid" = ? WHERE "id" = 1`, [low - 1]);
      });
      next = low - 1;
      batches++;
      if (Date.now() - lastLog >= 2000 || next < 1) {
        lastLog = Date.now();
        o.log(`reindexed rowids ${next + 1}..${high} (${(((high - next) / high) * 100).toFixed(1)} %)`);
      }
    }
    await writeTransaction(ds, (m) => m.query(`DELETE FROM "${REINDEX_STATE_TABLE}" WHERE "id" = 1`));
    o.log('search index complete');
    return true;
  }

  private async postgres(o: ReindexOptions): Promise<boolean> {
    const ds = this.dataSource;
    const schema = (ds.options as { schema?: string }).schema ?? 'public';
    let trgm = true;
    try {
      await ds.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    } catch (err) {
      trgm = false;
      o.log(`pg_trgm is not available (${(err as Error).message}): only the grams index is built; terms of 3+ characters are slower`);
    }
    const s = searchSchema(ds);
    const [fn, ...indexes] = s.postgresUp(trgm);
    await ds.query(fn.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
    const qualified = (name: string) => `"${schema}"."${name}"`;
    for (const create of indexes) {
      const name = /CREATE INDEX "([^"]+)"/.exec(create)![1];
      const rows = (await ds.query(
        `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = $1 AND n.nspname = $2`,
        [name, schema],
      )) as { valid: boolean }[];
      const concurrently = create.replace('CREATE INDEX', 'CREATE INDEX CONCURRENTLY');
      if (rows.length === 0) {
        o.log(`${name}: missing, creating (CONCURRENTLY)`);
        await ds.query(concurrently);
      } else if (!rows[0].valid) {
        o.log(`${name}: invalid (an interrupted build), rebuilding (CONCURRENTLY)`);
        await ds.query(`DROP INDEX CONCURRENTLY IF EXISTS ${qualified(name)}`);
        await ds.query(concurrently);
      } else if (o.restart) {
        o.log(`${name}: rebuilding (REINDEX CONCURRENTLY)`);
        await ds.query(`REINDEX INDEX CONCURRENTLY ${qualified(name)}`);
      } else {
        o.log(`${name}: present and valid`);
      }
    }
    o.log('search index complete');
    return true;
  }
}

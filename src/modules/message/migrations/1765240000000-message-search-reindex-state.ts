import { MigrationInterface, QueryRunner } from 'typeorm';
import { REINDEX_STATE_TABLE } from '../message-search-sql';

/**
 * SQLite only: where `npm run admin -- search:reindex` has got to (one row), so an interrupted
 * rebuild of the FTS5 tables continues where it stopped. PostgreSQL's search indexes are
 * expression indexes PostgreSQL rebuilds itself (REINDEX / CREATE INDEX CONCURRENTLY): no state.
 */
export class MessageSearchReindexState1765240000000 implements MigrationInterface {
  name = 'MessageSearchReindexState1765240000000';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.options.type === 'postgres') return;
    await q.query(
      `CREATE TABLE "${REINDEX_STATE_TABLE}" ("id" integer PRIMARY KEY CHECK ("id" = 1), "next_rowid" integer NOT NULL, "high_rowid" integer NOT NULL, "started_at" bigint NOT NULL)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    if (q.connection.options.type === 'postgres') return;
    await q.query(`DROP TABLE "${REINDEX_STATE_TABLE}"`);
  }
}

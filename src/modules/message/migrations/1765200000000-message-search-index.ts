import { MigrationInterface, QueryRunner } from 'typeorm';
import { searchSchema } from '../message-search-sql';

/**
 * The full-text index of message text (message/search). It indexes the `messages` table, so it is
 * this module's: nothing outside `messages` is read or written.
 *
 * SQLite: two contentless FTS5 tables kept by triggers on `messages` (so the group-commit writer,
 * message/edit, message/recall and any delete keep them in the same transaction as the row):
 * `message_search` with the trigram tokenizer (substrings of 3+ characters, CJK included) and
 * `message_search_short`, the text cut into overlapping 2-character grams, for 1–2-character
 * terms (`评审`, `会议`, `QA`) the trigram tokenizer cannot find.
 *
 * PostgreSQL: expression indexes on `messages` itself, maintained by PostgreSQL in the writing
 * transaction: a pg_trgm GIN index on the lower-cased text (3+ characters) and a GIN index on its
 * 1- and 2-character grams. Without pg_trgm (extension not installable) only the grams index is
 * built and long terms use it too (slower, same answers); the migration says so in a notice.
 */
export class MessageSearchIndex1765200000000 implements MigrationInterface {
  name = 'MessageSearchIndex1765200000000';

  async up(q: QueryRunner): Promise<void> {
    const s = searchSchema(q.connection);
    if (s.engine === 'sqlite') {
      for (const sql of s.sqliteUp) await q.query(sql);
      return;
    }
    // A failed CREATE EXTENSION would abort the migration's transaction: try it in a savepoint.
    await q.query('SAVEPOINT message_search_trgm');
    let trgm = true;
    try {
      await q.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    } catch (err) {
      trgm = false;
      await q.query('ROLLBACK TO SAVEPOINT message_search_trgm');
      console.warn(`message search: pg_trgm is not available (${(err as Error).message}); terms of 3+ characters use the 2-gram index (slower). Install postgresql-contrib and run CREATE EXTENSION pg_trgm as a superuser, then npm run admin -- search:reindex.`);
    }
    await q.query('RELEASE SAVEPOINT message_search_trgm');
    for (const sql of s.postgresUp(trgm)) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = searchSchema(q.connection);
    for (const sql of s.engine === 'sqlite' ? s.sqliteDown : s.postgresDown) await q.query(sql);
  }
}

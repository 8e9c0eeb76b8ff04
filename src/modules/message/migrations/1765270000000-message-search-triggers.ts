import { MigrationInterface, QueryRunner } from 'typeorm';
import { searchSchema, SQLITE_TRIGGERS } from '../message-search-sql';

/**
 * Cheaper index maintenance, same index. The first triggers re-read the row and built the
 * 2-character grams with a recursive CTE (substr per character: quadratic on long texts, ≈ 2 ms
 * per insert on a loaded machine); they now take NEW's text once and call `text_grams`
 * (src/database/sqlite-functions.ts). PostgreSQL's grams function walks the characters once
 * instead of substr per character (quadratic: 54 s for one 7,800-character message here). Both
 * produce exactly what they produced before, so nothing is reindexed; down keeps the new
 * definitions (the previous ones computed the same entries).
 */
export class MessageSearchTriggers1765270000000 implements MigrationInterface {
  name = 'MessageSearchTriggers1765270000000';

  async up(q: QueryRunner): Promise<void> {
    const s = searchSchema(q.connection);
    if (s.engine === 'postgres') {
      await q.query(s.pgGramsFunction('CREATE OR REPLACE FUNCTION'));
      return;
    }
    for (const name of SQLITE_TRIGGERS) await q.query(`DROP TRIGGER IF EXISTS "${name}"`);
    for (const sql of s.sqliteTriggers) await q.query(sql);
  }

  async down(): Promise<void> {
    // Nothing to undo: see above.
  }
}

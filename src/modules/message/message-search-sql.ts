/**
 * The SQL of the message search index (migration, queries, search:reindex) in one place, so the
 * expressions the indexes are built on and the expressions the queries use stay identical (a
 * PostgreSQL expression index is only used by a query repeating its expression exactly).
 *
 * What is indexed: `content.text` (a string) of entries of kind `message` that are not recalled —
 * text, markup, emoji and any content type carrying `text`. Module entries (poll.voted,
 * reaction.*, message.edited...) are never indexed: an edit's new text is found through the
 * message row it replaced, never through the entry that announced it.
 */
import type { DataSource } from 'typeorm';

export const FTS_TABLE = 'message_search';
export const FTS_SHORT_TABLE = 'message_search_short';
export const TRGM_INDEX = 'IDX_messages_search_trgm';
export const GRAMS_INDEX = 'IDX_messages_search_grams';
export const GRAMS_FUNCTION = 'message_search_grams';
/** SQLite: search:reindex's checkpoint (one row). */
export const REINDEX_STATE_TABLE = 'message_search_reindex';

/** Terms shorter than this go to the short-gram index (the trigram tokenizer needs 3). */
export const TRIGRAM_MIN = 3;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** SQLite: the indexed text of a `messages` row (`ref` = NEW, OLD or a table alias), or NULL. */
export function sqliteText(ref: string): string {
  return `(CASE WHEN json_valid(${ref}."content") AND json_type(${ref}."content", '$.text') = 'text' THEN json_extract(${ref}."content", '$.text') END)`;
}

/** SQLite: the row's text cut into its distinct 2-character grams (the last character alone), space-separated. */
function sqliteGrams(ref: string): string {
  return (
    `(WITH RECURSIVE t(s) AS (SELECT ${sqliteText(ref)}), n(i) AS (SELECT 1 FROM t WHERE length(t.s) > 0 UNION ALL SELECT i + 1 FROM n, t WHERE i < length(t.s)) ` +
    `SELECT group_concat(g, ' ') FROM (SELECT DISTINCT substr(t.s, n.i, 2) AS g FROM n, t))`
  );
}

/** SQLite: adds the row `ref` to both FTS tables if it is an indexable message. */
export function sqliteIndexRow(ref: string, rowid: string, messages: string, where = ''): string[] {
  const cond = `${ref}."kind" = 'message' AND ${ref}."recalled_at" IS NULL AND ${sqliteText(ref)} IS NOT NULL${where}`;
  return [
    `INSERT INTO ${quote(FTS_TABLE)} (rowid, "body") SELECT ${rowid}, ${sqliteText(ref)} FROM ${messages} ${ref} WHERE ${cond}`,
    `INSERT INTO ${quote(FTS_SHORT_TABLE)} (rowid, "body") SELECT ${rowid}, ${sqliteGrams(ref)} FROM ${messages} ${ref} WHERE ${cond}`,
  ];
}

export interface SearchSchema {
  engine: 'sqlite' | 'postgres';
  /** The FTS tables, the triggers (IF NOT EXISTS: search:reindex restores missing ones), then every row indexed. */
  sqliteUp: string[];
  /** Replaces the index entries of the rows with rowid in [?, ?] (each statement takes low, high). */
  sqliteReindexRange: string[];
  sqliteDown: string[];
  postgresUp(trgm: boolean): string[];
  postgresDown: string[];
  /** PostgreSQL: the lower-cased indexed text of `m` (the trigram index's expression). */
  pgText: string;
  /** PostgreSQL: the grams index's expression for `m`. */
  pgGrams: string;
  /** PostgreSQL: the schema-qualified grams function. */
  gramsFunction: string;
  messages: string;
}

/** The `messages` table and the index SQL for the connection's engine and schema. */
export function searchSchema(dataSource: Pick<DataSource, 'options'>): SearchSchema {
  const engine = dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  const schema = (dataSource.options as { schema?: string }).schema;
  const messages = engine === 'postgres' && schema ? `${quote(schema)}.${quote('messages')}` : quote('messages');
  const gramsFunction = engine === 'postgres' && schema ? `${quote(schema)}.${quote(GRAMS_FUNCTION)}` : quote(GRAMS_FUNCTION);
  const pgText = `lower(("m"."content"::jsonb) ->> 'text')`;
  const bare = (sql: string) => sql.replace(/"m"\./g, '');
  const partial = `WHERE "kind" = 'message' AND "recalled_at" IS NULL`;
  // Triggers keep the FTS tables in the writing transaction. A row's index entry is replaced on
  // any change of its content, kind or recall (edit, recall erasing the text, a future erasure).
  const triggerRow = (ref: string) =>
    sqliteIndexRow('x', `x.rowid`, quote('messages'), ` AND x.rowid = ${ref}.rowid`);
  const remove = (ref: string) => [`DELETE FROM ${quote(FTS_TABLE)} WHERE rowid = ${ref}.rowid`, `DELETE FROM ${quote(FTS_SHORT_TABLE)} WHERE rowid = ${ref}.rowid`];
  const trigger = (name: string, event: string, body: string[]) => `CREATE TRIGGER IF NOT EXISTS ${quote(name)} ${event} ON ${quote('messages')} BEGIN ${body.map((s) => `${s};`).join(' ')} END`;
  return {
    engine,
    messages,
    pgText,
    pgGrams: `${gramsFunction}(${pgText})`,
    gramsFunction,
    sqliteUp: [
      `CREATE VIRTUAL TABLE IF NOT EXISTS ${quote(FTS_TABLE)} USING fts5("body", tokenize = 'trigram', content = '', contentless_delete = 1)`,
      // unicode61 (the default tokenizer) over the grams: case-folded, one token per gram.
      `CREATE VIRTUAL TABLE IF NOT EXISTS ${quote(FTS_SHORT_TABLE)} USING fts5("body", content = '', contentless_delete = 1)`,
      trigger('message_search_ai', `AFTER INSERT`, triggerRow('NEW')),
      trigger('message_search_au', `AFTER UPDATE OF "content", "kind", "recalled_at"`, [...remove('OLD'), ...triggerRow('NEW')]),
      trigger('message_search_ad', `AFTER DELETE`, remove('OLD')),
      ...sqliteIndexRow('x', 'x.rowid', quote('messages')),
    ],
    sqliteReindexRange: [
      `DELETE FROM ${quote(FTS_TABLE)} WHERE rowid BETWEEN ? AND ?`,
      `DELETE FROM ${quote(FTS_SHORT_TABLE)} WHERE rowid BETWEEN ? AND ?`,
      ...sqliteIndexRow('x', 'x.rowid', quote('messages'), ' AND x.rowid BETWEEN ? AND ?'),
    ],
    sqliteDown: ['message_search_ai', 'message_search_au', 'message_search_ad'].map((t) => `DROP TRIGGER IF EXISTS ${quote(t)}`).concat([`DROP TABLE IF EXISTS ${quote(FTS_SHORT_TABLE)}`, `DROP TABLE IF EXISTS ${quote(FTS_TABLE)}`]),
    postgresUp: (trgm) => [
      // Distinct 1- and 2-character grams of the (lower-cased) text, whitespace-only ones left out.
      `CREATE FUNCTION ${gramsFunction}(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ ` +
        `SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (` +
        `SELECT substr(t, i, 1) AS g FROM generate_series(1, length(t)) i UNION ALL SELECT substr(t, i, 2) FROM generate_series(1, length(t) - 1) i` +
        `) s WHERE g !~ '^\\s+$' $$`,
      `CREATE INDEX ${quote(GRAMS_INDEX)} ON ${messages} USING gin ((${gramsFunction}(${bare(pgText)}))) ${partial}`,
      ...(trgm ? [`CREATE INDEX ${quote(TRGM_INDEX)} ON ${messages} USING gin ((${bare(pgText)}) gin_trgm_ops) ${partial}`] : []),
    ],
    postgresDown: [
      `DROP INDEX IF EXISTS ${schema ? `${quote(schema)}.` : ''}${quote(TRGM_INDEX)}`,
      `DROP INDEX IF EXISTS ${schema ? `${quote(schema)}.` : ''}${quote(GRAMS_INDEX)}`,
      `DROP FUNCTION IF EXISTS ${gramsFunction}(text)`,
    ],
  };
}

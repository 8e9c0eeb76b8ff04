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

/**
 * SQLite: adds the indexable messages among `source` (NEW in a trigger, or a subquery over
 * `messages` with columns rowid, kind, recalled_at, content) to both FTS tables. The text is
 * extracted once; `text_grams` (src/database/sqlite-functions.ts, registered on every connection)
 * cuts it into the 2-character grams the short table holds.
 */
function sqliteIndex(select: string): string[] {
  const rows = `(SELECT ${select}) x WHERE x."kind" = 'message' AND x."recalled_at" IS NULL AND x.t IS NOT NULL`;
  return [
    `INSERT INTO ${quote(FTS_TABLE)} (rowid, "body") SELECT x.r, x.t FROM ${rows}`,
    `INSERT INTO ${quote(FTS_SHORT_TABLE)} (rowid, "body") SELECT x.r, text_grams(x.t) FROM ${rows}`,
  ];
}

/** In a trigger: the row NEW. */
const sqliteIndexNew = () => sqliteIndex(`NEW.rowid AS r, NEW."kind" AS "kind", NEW."recalled_at" AS "recalled_at", ${sqliteText('NEW')} AS t`);

/** Every row of `messages` (with `where` on alias m, e.g. a rowid range). */
const sqliteIndexRows = (where = '') =>
  sqliteIndex(`m.rowid AS r, m."kind" AS "kind", m."recalled_at" AS "recalled_at", ${sqliteText('m')} AS t FROM ${quote('messages')} m${where ? ` WHERE ${where}` : ''}`);

/** SQLite: the search triggers (IF NOT EXISTS: search:reindex restores missing ones). */
export const SQLITE_TRIGGERS = ['message_search_ai', 'message_search_au', 'message_search_ad'];

export interface SearchSchema {
  engine: 'sqlite' | 'postgres';
  /** The FTS tables, the triggers (IF NOT EXISTS: search:reindex restores missing ones), then every row indexed. */
  sqliteUp: string[];
  /** The three triggers (CREATE TRIGGER IF NOT EXISTS). */
  sqliteTriggers: string[];
  /** Replaces the index entries of the rows with rowid in [?, ?] (each statement takes low, high). */
  sqliteReindexRange: string[];
  sqliteDown: string[];
  postgresUp(trgm: boolean): string[];
  postgresDown: string[];
  /** PostgreSQL: the lower-cased indexed text of `m` (the trigram index's expression). */
  pgText: string;
  /** PostgreSQL: the grams index's expression for `m`. */
  pgGrams: string;
  /** PostgreSQL: the grams function's definition, after `create` (CREATE FUNCTION / CREATE OR REPLACE FUNCTION). */
  pgGramsFunction(create: string): string;
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
  const remove = (ref: string) => [`DELETE FROM ${quote(FTS_TABLE)} WHERE rowid = ${ref}.rowid`, `DELETE FROM ${quote(FTS_SHORT_TABLE)} WHERE rowid = ${ref}.rowid`];
  const trigger = (name: string, event: string, body: string[]) => `CREATE TRIGGER IF NOT EXISTS ${quote(name)} ${event} ON ${quote('messages')} BEGIN ${body.map((s) => `${s};`).join(' ')} END`;
  const [insert, update, remove_] = SQLITE_TRIGGERS;
  const sqliteTriggers = [
    trigger(insert, `AFTER INSERT`, sqliteIndexNew()),
    trigger(update, `AFTER UPDATE OF "content", "kind", "recalled_at"`, [...remove('OLD'), ...sqliteIndexNew()]),
    trigger(remove_, `AFTER DELETE`, remove('OLD')),
  ];
  // The 1- and 2-character grams of the (lower-cased) text: its characters, then the pairs at
  // even and at odd offsets, each from one regexp pass in C. Duplicates and whitespace grams stay
  // in the array: GIN keeps each key once, and no query asks for whitespace (terms are split on
  // it). ≈ 50 µs for 80 characters; per-character SQL (substr, c[i], a window over a split)
  // cost 300 µs to 54 s (quadratic).
  const pgGramsFunction = (create: string) =>
    `${create} ${gramsFunction}(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ ` +
    `SELECT regexp_split_to_array(t, '') || ARRAY(SELECT (regexp_matches(t, '..', 'g'))[1]) || ARRAY(SELECT (regexp_matches(substr(t, 2), '..', 'g'))[1]) $$`;
  return {
    engine,
    messages,
    pgGramsFunction,
    pgText,
    pgGrams: `${gramsFunction}(${pgText})`,
    gramsFunction,
    sqliteUp: [
      `CREATE VIRTUAL TABLE IF NOT EXISTS ${quote(FTS_TABLE)} USING fts5("body", tokenize = 'trigram', content = '', contentless_delete = 1)`,
      // unicode61 (the default tokenizer) over the grams: case-folded, one token per gram.
      `CREATE VIRTUAL TABLE IF NOT EXISTS ${quote(FTS_SHORT_TABLE)} USING fts5("body", content = '', contentless_delete = 1)`,
      ...sqliteTriggers,
      ...sqliteIndexRows(),
    ],
    sqliteTriggers,
    sqliteReindexRange: [
      `DELETE FROM ${quote(FTS_TABLE)} WHERE rowid BETWEEN ? AND ?`,
      `DELETE FROM ${quote(FTS_SHORT_TABLE)} WHERE rowid BETWEEN ? AND ?`,
      ...sqliteIndexRows('m.rowid BETWEEN ? AND ?'),
    ],
    sqliteDown: SQLITE_TRIGGERS.map((t) => `DROP TRIGGER IF EXISTS ${quote(t)}`).concat([`DROP TABLE IF EXISTS ${quote(FTS_SHORT_TABLE)}`, `DROP TABLE IF EXISTS ${quote(FTS_TABLE)}`]),
    postgresUp: (trgm) => [
      // Distinct 1- and 2-character grams of the (lower-cased) text, whitespace-only ones left out.
      pgGramsFunction('CREATE FUNCTION'),
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

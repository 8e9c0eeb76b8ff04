/**
 * SQL functions every SQLite connection of the app gets (registered in prepareDatabase, so the
 * server, the admin CLI and the migration CLI all have them). Schema objects may call them: the
 * message search triggers call `text_grams` on every message insert, so it must be cheap and
 * deterministic. A connection opened without them (the sqlite3 shell) can read everything but
 * cannot insert messages.
 */

/** better-sqlite3's function registration (the package ships no typings). */
interface FunctionHost {
  function(name: string, options: { deterministic: boolean; varargs?: boolean }, fn: (...args: unknown[]) => unknown): unknown;
}

/**
 * The distinct 2-character grams of `text` (by code point), plus its last character alone,
 * space-separated: "评审会" → "评审 审会 会". Feeding this to an FTS5 unicode61 table makes every
 * 2-character substring a token and every character the prefix of one (message search, terms of
 * 1–2 characters). NULL for NULL.
 */
export function textGrams(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  const chars = Array.from(text);
  const grams = new Set<string>();
  for (let i = 0; i < chars.length; i++) grams.add(i + 1 < chars.length ? chars[i] + chars[i + 1] : chars[i]);
  return [...grams].join(' ');
}

export function registerSqliteFunctions(db: FunctionHost): void {
  db.function('text_grams', { deterministic: true }, textGrams);
}

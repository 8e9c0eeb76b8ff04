/**
 * Checks the database before the app starts, so an operator learns what is wrong in one line:
 *
 * - a **permanent** failure (the database does not exist, the credentials are refused, the host
 *   name does not resolve, the SQLite file is not a database or cannot be created) ends the start
 *   at once with a `DatabaseStartupError` naming the setting to fix — retrying it for 30 s with
 *   stack traces, as TypeORM's connect loop did, only hides the message;
 * - a **transient** one (connection refused or reset, the server starting up, too many clients) is
 *   retried with a logged exponential backoff (one warn line per try, no stack) for at most
 *   `DB_CONNECT_TIMEOUT_MS`: a database container that starts after the app is the normal case.
 *
 * It also reports which migrations the build has that the database has not (the caller warns and
 * gates requests until they have run; see the health module's migration gate).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatabaseConfig } from '../config/database.config';
import { ConfigError } from '../config/config.util';

/** A permanent database problem at start; main.ts prints its message as the one line. */
export class DatabaseStartupError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseStartupError';
  }
}

export interface PreflightLog {
  warn(message: string): void;
}

export interface PreflightOptions {
  /** Give up on transient failures after this long (ms). */
  timeoutMs: number;
  log: PreflightLog;
  /** First wait between tries (doubles, capped at 5 s). */
  initialDelayMs?: number;
}

/** SQLSTATEs that no amount of waiting fixes (class 28: credentials; 3D000: no such database). */
const PERMANENT_PG = new Map<string, (url: URL) => string>([
  [
    '3D000',
    (u) =>
      `database "${u.pathname.slice(1)}" does not exist on ${u.host}: create it (createdb ${u.pathname.slice(1)}) or fix the database name in DATABASE_URL`,
  ],
  [
    '28P01',
    (u) =>
      `PostgreSQL refused the password of user "${decodeURIComponent(u.username)}" on ${u.host}: fix the credentials in DATABASE_URL`,
  ],
  [
    '28000',
    (u) =>
      `PostgreSQL refused user "${decodeURIComponent(u.username)}" on ${u.host} (no such role, or pg_hba.conf does not allow it): fix DATABASE_URL or the server's access rules`,
  ],
  [
    '42501',
    (u) =>
      `user "${decodeURIComponent(u.username)}" may not connect to ${u.pathname.slice(1)} on ${u.host}: grant CONNECT or fix DATABASE_URL`,
  ],
]);

/** Classifies a PostgreSQL connect error: a one-line message when permanent, undefined when worth retrying. */
export function permanentPostgresError(err: unknown, url: URL): string | undefined {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  const known = PERMANENT_PG.get(code);
  if (known) return `DATABASE_URL: ${known(url)}`;
  if (code === 'ENOTFOUND')
    return `DATABASE_URL: host "${url.hostname}" does not resolve: fix the host name in DATABASE_URL`;
  if (code === 'ERR_INVALID_URL' || err instanceof TypeError)
    return `DATABASE_URL: not a valid URL (${String(e?.message)}): use postgres://user:password@host:5432/database`;
  return undefined;
}

export async function preflightDatabase(
  config: DatabaseConfig,
  options: PreflightOptions,
): Promise<void> {
  if (config.type === 'sqlite') return preflightSqlite(config.sqlitePath);
  let url: URL;
  try {
    url = new URL(config.url ?? '');
  } catch (err) {
    throw new DatabaseStartupError(
      permanentPostgresError(err, new URL('postgres://invalid')) ?? `DATABASE_URL: not a valid URL`,
    );
  }
  await withBackoff(
    () => pingPostgres(config),
    options,
    (err) => permanentPostgresError(err, url),
    `PostgreSQL at ${url.host}`,
  );
}

/** Connects once, outside TypeORM's pool (its connect loop would retry a permanent failure). */
async function pingPostgres(config: DatabaseConfig): Promise<void> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: config.url, connectionTimeoutMillis: 5000 });
  // A connection that breaks after connect must not become an unhandled 'error' event.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function withBackoff(
  attempt: () => Promise<void>,
  options: PreflightOptions,
  permanent: (err: unknown) => string | undefined,
  what: string,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let delay = options.initialDelayMs ?? 250;
  for (let tries = 1; ; tries++) {
    try {
      await attempt();
      return;
    } catch (err) {
      const fatal = permanent(err);
      if (fatal) throw new DatabaseStartupError(fatal);
      const reason = describe(err);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new DatabaseStartupError(
          `${what} not reachable after ${tries} tries in ${options.timeoutMs} ms (${reason}): check that it runs and that DATABASE_URL points at it, or raise DB_CONNECT_TIMEOUT_MS`,
        );
      }
      const wait = Math.min(delay, left);
      options.log.warn(
        `${what} not reachable (${reason}); try ${tries}, next in ${wait} ms, giving up ${Math.ceil(left / 1000)} s from now`,
      );
      await new Promise((resolve) => setTimeout(resolve, wait));
      delay = Math.min(delay * 2, 5000);
    }
  }
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? `${e.code}: ` : '';
  return `${code}${typeof e?.message === 'string' ? e.message : String(err)}`;
}

/** The SQLite file's directory must be creatable and the file, if present, a database. */
function preflightSqlite(file: string): void {
  if (file === ':memory:') return;
  const resolved = path.resolve(file);
  try {
    fs.mkdirSync(path.dirname(resolved), { recursive: true });
    fs.accessSync(path.dirname(resolved), fs.constants.W_OK);
  } catch (err) {
    throw new DatabaseStartupError(
      `SQLITE_PATH="${file}": cannot create or write its directory (${describe(err)}): choose a writable path`,
    );
  }
  let fd: number | undefined;
  try {
    fd = fs.openSync(resolved, 'r');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return; // created on first open
    throw new DatabaseStartupError(
      `SQLITE_PATH="${file}": cannot open it (${describe(err)}): fix its permissions or choose another path`,
    );
  }
  try {
    const header = Buffer.alloc(16);
    const read = fs.readSync(fd, header, 0, 16, 0);
    if (read > 0 && header.toString('latin1') !== 'SQLite format 3\0') {
      throw new DatabaseStartupError(
        `SQLITE_PATH="${file}": not an SQLite database: point SQLITE_PATH at the server's database file or at a new path`,
      );
    }
  } finally {
    fs.closeSync(fd);
  }
}

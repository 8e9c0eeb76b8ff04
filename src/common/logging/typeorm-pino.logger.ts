/**
 * TypeORM's logger interface over the app's pino logger, so database errors, slow queries and
 * migrations end up as JSON lines like everything else (TypeORM's default writes to console).
 * Query parameters are never logged: they carry password hashes, token hashes and message text.
 */
import type { Logger as TypeOrmLogger } from 'typeorm';
import type { RootLogger } from './pino-logger';

/** Queries slower than this are logged at warn. */
export const SLOW_QUERY_MS = 1000;

export class PinoTypeOrmLogger implements TypeOrmLogger {
  private readonly out: RootLogger;

  constructor(root: RootLogger) {
    this.out = root.child({ context: 'Database' });
  }

  logQuery(query: string): void {
    this.out.trace({ query: truncate(query) }, 'query');
  }

  logQueryError(error: string | Error, query: string): void {
    this.out.error(
      { query: truncate(query), err: typeof error === 'string' ? { message: error } : error },
      'query failed',
    );
  }

  logQuerySlow(time: number, query: string): void {
    this.out.warn({ query: truncate(query), duration_ms: time }, 'slow query');
  }

  logSchemaBuild(message: string): void {
    this.out.debug(message);
  }

  logMigration(message: string): void {
    this.out.info(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    if (level === 'warn') this.out.warn(text);
    else this.out.info(text);
  }
}

function truncate(query: string): string {
  return query.length > 2000 ? `${query.slice(0, 2000)}…` : query;
}

import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { defineConfig } from './config.util';

class DatabaseEnv {
  /** postgres://user:pass@host:5432/db — unset means the embedded SQLite file. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL, or unset for embedded SQLite' })
  DATABASE_URL?: string;

  /** PostgreSQL schema to use (tests give every run its own). */
  @IsOptional()
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'must be a lower-case SQL identifier' })
  DATABASE_SCHEMA?: string;

  @IsString()
  SQLITE_PATH = './data/switchboard.sqlite';

  /**
   * SQLite durability (WAL mode): normal survives a crash of the process (kill -9) but may lose
   * the last commits on a power cut or OS crash; full fsyncs every commit and survives those too.
   */
  @IsIn(['normal', 'full'], { message: 'must be normal or full' })
  SQLITE_SYNCHRONOUS: 'normal' | 'full' = 'normal';

  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 1 and 200' })
  @Min(1, { message: 'must be an integer between 1 and 200' })
  @Max(200, { message: 'must be an integer between 1 and 200' })
  DB_POOL_SIZE = 10;

  /**
   * How long the start waits for an unreachable database (connection refused, starting up),
   * retrying with a logged backoff; a permanent error (no such database, bad credentials) ends the
   * start at once.
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of milliseconds (0 = one try)' })
  @Min(0, { message: 'must be an integer number of milliseconds (0 = one try)' })
  DB_CONNECT_TIMEOUT_MS = 30000;

  /**
   * auto: run pending migrations at start on SQLite only; on: always; off: never (the server then
   * warns at start and answers 503 NOT_READY to requests until `npm run migration:run` has run).
   */
  @IsIn(['auto', 'on', 'off'], { message: 'must be one of auto, on, off' })
  MIGRATIONS_RUN: 'auto' | 'on' | 'off' = 'auto';
}

export const databaseConfig = defineConfig('database', DatabaseEnv, (env) => {
  const type = env.DATABASE_URL ? ('postgres' as const) : ('sqlite' as const);
  return {
    type,
    url: env.DATABASE_URL,
    schema: env.DATABASE_SCHEMA,
    sqlitePath: env.SQLITE_PATH,
    sqliteSynchronous: env.SQLITE_SYNCHRONOUS,
    poolSize: env.DB_POOL_SIZE,
    connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS,
    migrationsRun: env.MIGRATIONS_RUN === 'on' || (env.MIGRATIONS_RUN === 'auto' && type === 'sqlite'),
  };
});
export type DatabaseConfig = ReturnType<typeof databaseConfig.parse>;

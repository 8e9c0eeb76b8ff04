/**
 * The one data-source definition, used by the app (TypeOrmModule) and the TypeORM CLI
 * (ormconfig.ts). Embedded SQLite by default; PostgreSQL when DATABASE_URL is set. Schema changes
 * go through migrations only: `synchronize` is never enabled here.
 *
 * Entities and migrations come from the features (see src/common/feature/feature.ts): this file
 * receives them as plain lists and imports no feature module.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/database.config';
import { orderMigrations } from './migration-order';
import { registerSqliteFunctions } from './sqlite-functions';

export const SQLITE_BUSY_TIMEOUT_MS = 5000;

export interface SchemaParts {
  /** Entity classes (the app passes none and auto-loads those of `TypeOrmModule.forFeature`). */
  entities: readonly Function[];
  /** Every feature's migrations; ordered here by timestamp into one set. */
  migrations: readonly Function[];
}

export function buildDataSourceOptions(config: DatabaseConfig, parts: SchemaParts): DataSourceOptions {
  const common = {
    entities: [...parts.entities],
    migrations: orderMigrations(parts.migrations),
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: ['error' as const],
  };
  if (config.type === 'postgres') {
    return {
      ...common,
      type: 'postgres',
      url: config.url,
      schema: config.schema,
      poolSize: config.poolSize,
      // A black-holed database must fail a request within seconds (answered 503 UNAVAILABLE),
      // not hold it until the client gives up: pg's default connect timeout is infinite.
      extra: { connectionTimeoutMillis: 5000 },
      // Migrations run in one transaction each, so a failed one leaves nothing half-applied.
      migrationsTransactionMode: 'each',
    };
  }
  if (config.sqlitePath !== ':memory:') {
    fs.mkdirSync(path.dirname(path.resolve(config.sqlitePath)), { recursive: true });
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: config.sqlitePath,
    migrationsTransactionMode: 'each',
    // WAL lets readers run beside the single writer; foreign keys are off by default in SQLite.
    prepareDatabase: (db: { pragma(source: string): unknown } & Parameters<typeof registerSqliteFunctions>[0]) => {
      registerSqliteFunctions(db);
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      // NORMAL in WAL mode: a commit is durable once in the OS (survives kill -9), fsynced at
      // checkpoints; FULL fsyncs the WAL at every commit (survives a power cut). SQLITE_SYNCHRONOUS.
      db.pragma(`synchronous = ${config.sqliteSynchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    },
  };
}

/**
 * `npm run migration:run | migration:show | migration:revert`: the app's own migration runner. The
 * TypeORM CLI forces query logging on (160 raw SQL lines for a fresh database); an operator wants
 * one line per migration, the database named, and a permanent connection error in one line (the
 * same preflight as the server's start). `migration:generate` stays on the TypeORM CLI (a
 * developer tool, ormconfig.ts).
 */
import 'reflect-metadata';
import { DataSource, Logger as TypeOrmLogger } from 'typeorm';
import { APP_FEATURES } from '../app.features';
import { ConfigError, Env } from '../config';
import { databaseConfig } from '../config/database.config';
import { buildDataSourceOptions } from '../database/data-source.options';
import { preflightDatabase } from '../database/database-preflight';
import { pendingMigrations } from '../database/pending-migrations';

type Out = (line: string) => void;

/** Prints TypeORM's per-migration lines only ("Migration X has been executed successfully."). */
function migrationLines(out: Out, started: () => number): TypeOrmLogger {
  const quiet = () => undefined;
  return {
    logQuery: quiet,
    logQueryError: (error, query) =>
      out(
        `  failed query: ${query.slice(0, 200)} (${typeof error === 'string' ? error : error.message})`,
      ),
    logQuerySlow: quiet,
    logMigration: (message) => out(`  ${message}`),
    log: quiet,
    logSchemaBuild: (message) => {
      const done = /^Migration (\S+) has been (executed|reverted) successfully/.exec(message);
      if (done)
        out(`  ${done[2] === 'executed' ? 'applied' : 'reverted'} ${done[1]} (${started()} ms)`);
    },
  };
}

export async function runMigrate(
  command: string,
  env: Env = process.env,
  out: Out = (l) => console.log(l),
): Promise<number> {
  if (!['run', 'show', 'revert'].includes(command)) {
    out('usage: migrate run | show | revert');
    return 2;
  }
  const config = databaseConfig.parse(env);
  await preflightDatabase(config, {
    timeoutMs: config.connectTimeoutMs,
    log: { warn: (m) => out(m) },
  });
  let last = Date.now();
  const lap = () => {
    const now = Date.now();
    const ms = now - last;
    last = now;
    return ms;
  };
  const dataSource = new DataSource({
    ...buildDataSourceOptions(config, {
      entities: APP_FEATURES.entities,
      migrations: APP_FEATURES.migrations,
    }),
    logger: migrationLines(out, lap),
    logging: ['schema', 'migration', 'error'],
  });
  await dataSource.initialize();
  try {
    const where =
      config.type === 'postgres'
        ? `PostgreSQL ${new URL(config.url!).host}${config.schema ? ` schema ${config.schema}` : ''}`
        : `SQLite ${config.sqlitePath}`;
    const pending = await pendingMigrations(dataSource);
    if (command === 'show') {
      out(
        `${where}: ${dataSource.migrations.length - pending.length} applied, ${pending.length} pending`,
      );
      const waiting = new Set(pending);
      for (const m of dataSource.migrations)
        out(`  ${waiting.has(m.name!) ? '[ ]' : '[X]'} ${m.name}`);
      return 0;
    }
    if (command === 'revert') {
      out(`${where}: reverting the last migration`);
      lap();
      await dataSource.undoLastMigration({ transaction: 'each' });
      return 0;
    }
    out(`${where}: ${pending.length} pending migration(s)`);
    lap();
    const ran = await dataSource.runMigrations({ transaction: 'each' });
    out(`${where}: ${ran.length} applied, schema up to date`);
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  runMigrate(process.argv[2] ?? '').then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(
        err instanceof ConfigError
          ? err.message
          : `migration failed: ${err instanceof Error ? err.message : String(err)}`,
      );
      process.exit(1);
    },
  );
}

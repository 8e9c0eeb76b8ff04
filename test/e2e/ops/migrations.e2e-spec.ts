/**
 * The one migration set on the current engine (SQLite by default, PostgreSQL when
 * TEST_DATABASE_URL is set; CI runs both): every migration goes up, down and up again, and after
 * the migrations the entities match the schema exactly (what `migration:generate` would emit is
 * empty). Also: MIGRATIONS_RUN at start, and the `npm run migration:*` CLI against dist/.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { APP_FEATURES } from '../../../src/app.features';
import { databaseConfig } from '../../../src/config/database.config';
import { buildDataSourceOptions } from '../../../src/database/data-source.options';
import { orderMigrations } from '../../../src/database/migration-order';
import { ensureBuilt } from '../../support/spawn-server';
import { createTestDatabase, TestDatabase, testEngine } from '../../support/test-db';
import { startTestApp } from '../../support/test-app';
import { MIGRATION_RECHECK_MS } from '../../../src/modules/health/migration-gate.plugin';

const ROOT = path.resolve(__dirname, '../../..');
/** The one set every feature contributes, in the order both the app and the CLI run it. */
const MIGRATIONS = orderMigrations(APP_FEATURES.migrations);

async function tables(ds: DataSource): Promise<string[]> {
  const rows: { name: string }[] =
    ds.options.type === 'postgres'
      ? await ds.query(
          `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1`,
          [(ds.options as { schema?: string }).schema ?? 'public'],
        )
      : await ds.query(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
        );
  return rows.map((r) => r.name).sort();
}

/** SQL that schema sync would run to make the database match the entities: must be none. */
async function drift(ds: DataSource): Promise<string[]> {
  const sql = await ds.driver.createSchemaBuilder().log();
  return sql.upQueries.map((q) => q.query);
}

describe(`migrations on ${testEngine()}`, () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase();
    ds = new DataSource(buildDataSourceOptions(databaseConfig.parse(db.env), APP_FEATURES));
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db.drop();
  });

  it('the migration list is in timestamp order with unique names', () => {
    const stamps = MIGRATIONS.map((m) => Number(/(\d{13})$/.exec(m.name)?.[1]));
    expect(stamps.every((s) => Number.isFinite(s))).toBe(true);
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
    expect(new Set(MIGRATIONS.map((m) => m.name)).size).toBe(MIGRATIONS.length);
  });

  it('runs every migration up with no drift, all the way down, and up again', async () => {
    const applied = await ds.runMigrations({ transaction: 'each' });
    expect(applied.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await drift(ds)).toEqual([]);
    const created = await tables(ds);
    expect(created.length).toBeGreaterThan(1);

    for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
    expect(await ds.showMigrations()).toBe(true); // pending again
    expect(await tables(ds)).toEqual(['migrations']);

    const again = await ds.runMigrations({ transaction: 'each' });
    expect(again).toHaveLength(MIGRATIONS.length);
    expect(await tables(ds)).toEqual(created);
    expect(await drift(ds)).toEqual([]);
    expect(await ds.showMigrations()).toBe(false);
  });
});

describe('MIGRATIONS_RUN', () => {
  it('auto runs at start on SQLite only; on/off force it', () => {
    const sqlite = { SQLITE_PATH: '/tmp/x.sqlite' };
    const pg = { DATABASE_URL: 'postgres://u@h/db' };
    expect(databaseConfig.parse(sqlite).migrationsRun).toBe(true);
    expect(databaseConfig.parse(pg).migrationsRun).toBe(false);
    expect(databaseConfig.parse({ ...pg, MIGRATIONS_RUN: 'on' }).migrationsRun).toBe(true);
    expect(databaseConfig.parse({ ...sqlite, MIGRATIONS_RUN: 'off' }).migrationsRun).toBe(false);
  });

  it('off starts the app without touching the schema, and not ready until migrations ran', async () => {
    const app = await startTestApp({ MIGRATIONS_RUN: 'off' });
    try {
      const ds = app.app.get(DataSource);
      expect(await tables(ds)).toEqual([]);
      // The app auto-loads entities from the modules' forFeature(); the CLI reads the manifests:
      // both must see the same set (a module listing an entity in one place only fails here).
      const loaded = ds.entityMetadatas.map((m) => m.target as Function);
      expect(new Set(loaded)).toEqual(new Set(APP_FEATURES.entities));
      expect(ds.migrations.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => m.name));
      const notReady = await fetch(`http://127.0.0.1:${app.httpPort}/health/ready`);
      expect(notReady.status).toBe(503);
      const body = (await notReady.json()) as {
        error: { migrations: { status: string; message: string } };
      };
      expect(body.error.migrations.status).toBe('down');
      expect(body.error.migrations.message).toContain(MIGRATIONS[0].name);

      // Requests that need the database answer 503 NOT_READY (not a 500 from a missing table);
      // control/ping still answers.
      const client = await app.connect();
      const refused = await client.request('auth/register', {
        username: 'early_bird',
        password: 'correct-horse-1',
      });
      expect(refused.payload).toMatchObject({
        status: 503,
        error_code: 'NOT_READY',
        retry_after_ms: MIGRATION_RECHECK_MS,
      });
      expect((await client.request('control/ping', {})).payload.status).toBe(200);

      await ds.runMigrations({ transaction: 'each' });
      expect(await ds.showMigrations()).toBe(false);
      // The gate re-reads the migrations table every MIGRATION_RECHECK_MS, then opens for good.
      const deadline = Date.now() + 4 * MIGRATION_RECHECK_MS;
      let answer = refused;
      while (answer.payload.status === 503 && Date.now() < deadline) {
        // A client's retry loop: wait (a fraction of) the retry_after_ms the server asked for.
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(Number(answer.payload.retry_after_ms), 250)),
        );
        answer = await client.request('auth/register', {
          username: 'early_bird',
          password: 'correct-horse-1',
        });
      }
      expect(answer.payload.status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('npm run migration:* (TypeORM CLI on dist/ormconfig.js)', () => {
  const run = promisify(execFile);
  let db: TestDatabase;
  beforeAll(async () => {
    ensureBuilt();
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  /** `npm run migration:<command>` runs dist/src/cli/migrate.js (the app's own runner). */
  async function cli(command: string): Promise<string> {
    const { stdout } = await run(
      process.execPath,
      [path.join(ROOT, 'dist/src/cli/migrate.js'), command.replace('migration:', '')],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...db.env },
      },
    );
    return stdout;
  }

  it('show lists pending migrations, run applies them, revert undoes the last one', async () => {
    const names = MIGRATIONS.map((m) => m.name);
    const before = await cli('migration:show');
    for (const name of names) expect(before).toContain(`[ ] ${name}`);
    const ran = await cli('migration:run');
    // One line per migration, and no SQL (the TypeORM CLI printed every statement).
    for (const name of names) expect(ran).toMatch(new RegExp(`applied ${name} \\(\\d+ ms\\)`));
    expect(ran).not.toMatch(/CREATE TABLE|INSERT INTO|query:/i);
    expect(ran.trim().split('\n').length).toBe(names.length + 2);
    const after = await cli('migration:show');
    for (const name of names) expect(after).toContain(`[X] ${name}`);
    await cli('migration:revert');
    const reverted = await cli('migration:show');
    expect(reverted).toContain(`[ ] ${names[names.length - 1]}`);
  }, 60_000);
});

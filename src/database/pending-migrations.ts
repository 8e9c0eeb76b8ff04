/**
 * Which of the build's migrations the database has not applied yet. Reads the migrations table
 * only (TypeORM's showMigrations would create it). Used by readiness and by the migration gate.
 */
import type { DataSource } from 'typeorm';

export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const applied = new Set(await appliedNames(dataSource));
  // The data source holds the one ordered set every feature contributed.
  return dataSource.migrations
    .map((m) => m.name ?? m.constructor.name)
    .filter((name) => !applied.has(name));
}

async function appliedNames(dataSource: DataSource): Promise<string[]> {
  const { driver, options } = dataSource;
  const table = options.migrationsTableName ?? 'migrations';
  const schema = (options as { schema?: string }).schema;
  const runner = dataSource.createQueryRunner();
  try {
    // A fresh database has no migrations table yet: everything is pending.
    if (!(await runner.hasTable(schema ? `${schema}.${table}` : table))) return [];
  } finally {
    await runner.release();
  }
  const path = schema ? `${driver.escape(schema)}.${driver.escape(table)}` : driver.escape(table);
  const rows: { name: string }[] = await dataSource.query(`SELECT name FROM ${path}`);
  return rows.map((r) => r.name);
}

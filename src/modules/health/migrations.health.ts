/**
 * Readiness also means "the schema is the one this build expects": with MIGRATIONS_RUN=off (the
 * PostgreSQL default) a server started before `npm run migration:run` finished must not take
 * traffic. Reads the migrations table only (TypeORM's showMigrations would create it).
 */
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';

/** The answer changes only when migrations run: re-read at most this often. */
const CACHE_MS = 5000;

@Injectable()
export class MigrationsHealthIndicator {
  constructor(
    private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
  ) {}

  check(key: string, timeoutMs: number) {
    return this.indicators
      .check(key)
      .attempt(async () => {
        const applied = new Set(await this.appliedNames());
        // The data source holds the one ordered set every feature contributed.
        const expected = this.dataSource.migrations.map((m) => m.name ?? m.constructor.name);
        const pending = expected.filter((name) => !applied.has(name));
        if (pending.length > 0) {
          throw new Error(
            `${pending.length} pending migration(s): ${pending.join(', ')}; run npm run migration:run`,
          );
        }
        return { applied: applied.size };
      })
      .withTimeout(timeoutMs)
      .cacheFor(CACHE_MS);
  }

  private async appliedNames(): Promise<string[]> {
    const { driver, options } = this.dataSource;
    const table = options.migrationsTableName ?? 'migrations';
    const schema = (options as { schema?: string }).schema;
    const runner = this.dataSource.createQueryRunner();
    try {
      // A fresh database has no migrations table yet: everything is pending.
      if (!(await runner.hasTable(schema ? `${schema}.${table}` : table))) return [];
    } finally {
      await runner.release();
    }
    const path = schema ? `${driver.escape(schema)}.${driver.escape(table)}` : driver.escape(table);
    const rows: { name: string }[] = await this.dataSource.query(`SELECT name FROM ${path}`);
    return rows.map((r) => r.name);
  }
}

/**
 * Readiness also means "the schema is the one this build expects": with MIGRATIONS_RUN=off (the
 * PostgreSQL default) a server started before `npm run migration:run` finished must not take
 * traffic. Reads the migrations table only (TypeORM's showMigrations would create it).
 */
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { pendingMigrations } from '../../database/pending-migrations';

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
        const pending = await pendingMigrations(this.dataSource);
        if (pending.length > 0) {
          throw new Error(
            `${pending.length} pending migration(s): ${pending.join(', ')}; run npm run migration:run`,
          );
        }
        return { applied: this.dataSource.migrations.length };
      })
      .withTimeout(timeoutMs)
      .cacheFor(CACHE_MS);
  }
}

/**
 * With MIGRATIONS_RUN=off (the PostgreSQL default) a server can start against a database whose
 * schema is behind the build. Without this gate its first request fails deep in a repository with
 * `relation "users" does not exist` (500). Instead: one warning at start naming the pending
 * migrations, and every command that needs the database answers 503 NOT_READY with
 * `retry_after_ms` (clients retry, load balancers already see /health/ready down) until
 * `npm run migration:run` has run — checked again every few seconds, then the gate opens for good.
 * Costs one boolean test per frame once open.
 */
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { pendingMigrations } from '../../database/pending-migrations';
import { ProtocolError } from '../../shared/protocol';
import { SwitchboardServer } from '../../transport/switchboard.server';
import { PluginOrder, TransportPlugin } from '../../transport/transport-plugin';

/** How often a gated server looks again, and the wait it suggests to clients. */
export const MIGRATION_RECHECK_MS = 2000;

@Injectable()
export class MigrationGatePlugin
  implements TransportPlugin, OnApplicationBootstrap, OnModuleDestroy
{
  readonly name = 'migration-gate';
  readonly order = PluginOrder.LIMIT;
  private readonly logger = new Logger('Database');
  private pending: string[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    private readonly server: SwitchboardServer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.pending = await pendingMigrations(this.dataSource);
    if (this.pending.length === 0) return;
    this.logger.warn(
      `${this.pending.length} pending migration(s): ${this.pending.join(', ')}. Requests that need the database answer 503 NOT_READY until they have run: npm run migration:run (or start with MIGRATIONS_RUN=on)`,
    );
    this.server.use(this);
    this.timer = setInterval(() => void this.recheck(), MIGRATION_RECHECK_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  onInbound(_conn: unknown, _envelope: unknown, command: string): void {
    if (this.pending.length === 0 || command.startsWith('control/')) return;
    throw new ProtocolError(
      'NOT_READY',
      `the server's database schema is not up to date (${this.pending.length} pending migration(s)); retry after retry_after_ms`,
      undefined,
      {
        retry_after_ms: MIGRATION_RECHECK_MS,
      },
    );
  }

  private async recheck(): Promise<void> {
    try {
      this.pending = await pendingMigrations(this.dataSource);
    } catch (err) {
      this.logger.warn(`could not re-read the migrations table: ${(err as Error).message}`);
      return;
    }
    if (this.pending.length > 0) return;
    this.logger.log('all migrations applied: serving requests');
    if (this.timer) clearInterval(this.timer);
  }
}

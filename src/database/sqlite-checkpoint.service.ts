/** Runs the SQLite checkpoint worker (sqlite-checkpointer.ts) for the app's data source. */
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqliteCheckpointer, SqliteConnection } from './sqlite-checkpointer';
import { isSqlite, runSerializedWrite } from './write-transaction';
import { SQLITE_BUSY_TIMEOUT_MS } from './data-source.options';

@Injectable()
export class SqliteCheckpointService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SqliteCheckpoint');
  private checkpointer?: SqliteCheckpointer;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!isSqlite(this.dataSource)) return;
    const db = (this.dataSource.driver as unknown as { databaseConnection: SqliteConnection }).databaseConnection;
    this.checkpointer = new SqliteCheckpointer(db, {
      busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS,
      // Between two write transactions: never inside one (a batch, or a TypeORM transaction).
      catchUp: (fn) =>
        runSerializedWrite(this.dataSource, async () => {
          while ((db as unknown as { inTransaction: boolean }).inTransaction) await new Promise((resolve) => setImmediate(resolve));
          fn();
        }),
      onError: (message) => this.logger.warn(`WAL checkpoint: ${message}`),
    });
    try {
      await this.checkpointer.start();
    } catch (err) {
      // The connection keeps checkpointing by itself (as SQLite does by default).
      this.logger.warn(`WAL checkpoint worker did not start, checkpoints stay on the connection: ${(err as Error).message}`);
    }
  }

  /** Before TypeORM closes the connection, so that one is the last and removes the WAL. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.checkpointer?.stop();
  }
}

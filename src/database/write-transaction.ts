/**
 * One way to run a write transaction on either engine.
 *
 * PostgreSQL: a normal `dataSource.transaction()` on its own pooled connection; row locks
 * serialize what must be serialized (e.g. `UPDATE conversations ... RETURNING last_seq`).
 *
 * SQLite (better-sqlite3): TypeORM keeps ONE query runner for the whole data source, and a
 * second `transaction()` started while the first awaits becomes a SAVEPOINT *inside* the first
 * (TypeORM 1.1 AbstractSqliteQueryRunner.startTransaction: depth > 0 → SAVEPOINT), so concurrent
 * requests would commit or roll back each other's work. SQLite has a single writer per file
 * anyway, so write transactions are queued, one at a time per data source, which costs no
 * parallelism the engine had. Every module's write transactions share this ONE queue (message
 * sends, group membership changes, ...). Never start a queued write from inside another one:
 * it would wait for itself.
 */
import type { DataSource, EntityManager } from 'typeorm';

const tails = new WeakMap<DataSource, Promise<unknown>>();

export function isSqlite(dataSource: DataSource): boolean {
  return dataSource.options.type === 'better-sqlite3';
}

/** Runs `fn` after every write queued before it on this data source (whatever the engine). */
export function runSerializedWrite<T>(dataSource: DataSource, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(dataSource) ?? Promise.resolve();
  const run = previous.then(fn);
  // The queue continues whether or not this write failed; the caller still sees the failure.
  tails.set(dataSource, run.catch(() => undefined));
  return run;
}

/** A transaction: queued on SQLite (see above), concurrent on PostgreSQL. */
export function writeTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  if (!isSqlite(dataSource)) return dataSource.transaction(work);
  return runSerializedWrite(dataSource, () => dataSource.transaction(work));
}

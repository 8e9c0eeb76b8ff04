/**
 * With better-sqlite3, TypeORM runs every query runner on ONE database connection, so two
 * transactions started concurrently would nest ("cannot start a transaction within a
 * transaction") or interleave. Group transactions therefore run one at a time per DataSource.
 * PostgreSQL needs none of this (real connections and row locks).
 *
 * TODO(integration): when the message module exports a shared SQLite write queue, use it here so
 * group and message transactions share one queue.
 */
import type { DataSource } from 'typeorm';

const tails = new WeakMap<DataSource, Promise<unknown>>();

export function runSerializedWrite<T>(dataSource: DataSource, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(dataSource) ?? Promise.resolve();
  const run = previous.then(fn);
  // The queue continues whether or not this write failed; the caller still sees the failure.
  tails.set(dataSource, run.catch(() => undefined));
  return run;
}

/**
 * WAL checkpoints in a worker thread (src/database/sqlite-checkpointer.ts), on a real SQLite file:
 * the app's connection stops checkpointing, the worker copies committed frames into the database
 * file, the WAL bound makes the app's connection catch up between writes, and stopping hands
 * checkpointing back. Waits for the worker's reports, never for time.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckpointResult, SqliteCheckpointer } from '../../../src/database/sqlite-checkpointer';

/** The part of better-sqlite3's API used here (the package ships no typings). */
interface Db {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  prepare(sql: string): { run(...params: unknown[]): unknown; get(...params: unknown[]): unknown };
  exec(sql: string): void;
  transaction(fn: () => void): () => void;
  close(): void;
  readonly open: boolean;
  readonly inTransaction: boolean;
  readonly name: string;
  readonly memory: boolean;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (file: string, options?: { readonly?: boolean }) => Db;

function openDb(file: string) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS m (id INTEGER PRIMARY KEY, body TEXT)');
  return db;
}

function writeRows(db: Db, count: number): void {
  const insert = db.prepare('INSERT INTO m (body) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < count; i++) insert.run('x'.repeat(500));
  })();
}

describe('SqliteCheckpointer', () => {
  let dir: string;
  let db: Db;
  let checkpointer: SqliteCheckpointer | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-checkpoint-'));
    db = openDb(path.join(dir, 'app.db'));
  });

  afterEach(async () => {
    await checkpointer?.stop();
    checkpointer = undefined;
    if (db.open) db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes checkpoints off the connection, copies every committed frame, and gives them back on stop', async () => {
    const results: CheckpointResult[] = [];
    let notify: () => void = () => undefined;
    checkpointer = new SqliteCheckpointer(db, {
      intervalMs: 5,
      onCheckpoint: (r) => {
        results.push(r);
        notify();
      },
    });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await checkpointer.start();
    expect(checkpointer.running).toBe(true);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);

    writeRows(db, 3000); // ≈ 400 pages, all in the WAL: the connection no longer checkpoints
    writeRows(db, 3000);
    // Only the worker checkpoints: a report of a long WAL fully copied is its work.
    await new Promise<void>((resolve) => {
      notify = () => {
        const last = results[results.length - 1];
        if (last.log > 500 && last.checkpointed === last.log) resolve();
      };
      if (results.length > 0) notify();
    });
    expect(results.every((r) => r.mode === 'PASSIVE')).toBe(true);

    await checkpointer.stop();
    expect(checkpointer.running).toBe(false);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    db.close();
    const reopened = new Database(path.join(dir, 'app.db'), { readonly: true });
    expect((reopened.prepare('SELECT count(*) AS n FROM m').get() as { n: number }).n).toBe(6000);
    reopened.close();
  });

  it('past the WAL bound, the app connection checkpoints once between writes, through the caller', async () => {
    let queued = 0;
    let caughtUp!: () => void;
    const done = new Promise<void>((resolve) => (caughtUp = resolve));
    checkpointer = new SqliteCheckpointer(db, {
      intervalMs: 5,
      maxWalFrames: 50,
      catchUp: async (fn) => {
        queued++;
        expect(db.inTransaction).toBe(false);
        fn();
        caughtUp();
      },
    });
    await checkpointer.start();
    writeRows(db, 3000);
    await done;
    expect(queued).toBeGreaterThanOrEqual(1);
    expect(checkpointer.catchUps).toBeGreaterThanOrEqual(1);
    // Everything committed is in the database file now: nothing left for a checkpoint to copy.
    const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
    expect(row.checkpointed).toBe(row.log);
  });

  it('does nothing for an in-memory database', async () => {
    const memory = new Database(':memory:');
    const idle = new SqliteCheckpointer(memory);
    await idle.start();
    expect(idle.running).toBe(false);
    memory.close();
  });
});

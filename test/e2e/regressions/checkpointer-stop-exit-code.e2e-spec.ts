/**
 * Regression (bug): the admin CLI's usage error (`npm run admin -- nope`) exited 0 instead of 2
 * about one run in three. The SQLite checkpoint worker is unref'd (it must never keep a server
 * alive), so while shutdown awaited the worker's exit nothing held the event loop: a process with
 * no other handles ended naturally, with code 0, before the caller's `process.exit(code)` ran.
 * `SqliteCheckpointer.stop()` now refs the worker while it waits. Each child below has nothing
 * else alive, exactly like the CLI; with the bug a run of eight practically never passes.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureBuilt } from '../../support/spawn-server';

const ROOT = path.resolve(__dirname, '../../..');

const CHILD = `
const Database = require('better-sqlite3');
const { SqliteCheckpointer } = require(process.env.CHECKPOINTER);
const db = new Database(process.env.DB_FILE);
db.pragma('journal_mode = WAL');
db.exec('CREATE TABLE t (x INTEGER)');
const checkpointer = new SqliteCheckpointer(db);
checkpointer
  .start()
  .then(() => checkpointer.stop())
  .then(() => {
    db.close();
    process.stdout.write('stopped');
    process.exit(3);
  });
`;

function runChild(dbFile: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CHILD], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, DB_FILE: dbFile, CHECKPOINTER: path.join(ROOT, 'dist/src/database/sqlite-checkpointer.js') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('regression: stopping the checkpoint worker keeps the process alive until it has stopped', () => {
  it('a process with nothing else alive gets past stop() and exits with its own code', async () => {
    ensureBuilt();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-ckpt-exit-'));
    try {
      const runs = await Promise.all(Array.from({ length: 8 }, (_, i) => runChild(path.join(dir, `db-${i}.sqlite`))));
      for (const run of runs) expect(run).toEqual({ code: 3, out: 'stopped', err: '' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000); // may have to build dist/ first
});

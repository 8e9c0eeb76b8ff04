/**
 * SQLite WAL checkpoints off the event loop.
 *
 * With the default `wal_autocheckpoint` (1,000 pages), the commit that grows the WAL past it runs
 * the checkpoint itself, synchronously, on the app's one connection: fsync of the WAL, copy into
 * the database file, fsync of the database file. On a busy disk those fsyncs took from tens of ms
 * to seconds, during which the event loop served nothing (relay bench rounds with p50 = p99).
 *
 * So the app's connection stops checkpointing (`wal_autocheckpoint = 0`) and a worker thread with
 * its own connection to the same file runs `wal_checkpoint(PASSIVE)` every CHECKPOINT_INTERVAL_MS:
 * PASSIVE never blocks the writer and does nothing when every frame is already copied. Durability
 * is unchanged: a commit is as durable as `synchronous` makes it when it returns (NORMAL: in the
 * OS, survives a process crash; FULL: fsynced WAL, survives a power cut); checkpoints only move
 * committed pages from the WAL into the database file, and SQLite recovers from a crash at any
 * point of one.
 *
 * Bound: under sustained writes the worker's checkpoint never quite catches up with the writer,
 * and the WAL is only rewound (written from its start again) by a write that finds every frame
 * copied. Past MAX_WAL_FRAMES (≈ 64 MiB of 4 KiB pages) the app's connection runs one passive
 * checkpoint itself, between two write transactions (the caller's `catchUp`, queued with the
 * writes): little is left to copy by then, and the next write rewinds the WAL; `journal_size_limit`
 * truncates the file back. The worker never takes the write lock (no RESTART/TRUNCATE): a write
 * transaction that started as a read cannot wait for that lock (SQLite skips the busy handler on
 * such an upgrade) and would fail with SQLITE_BUSY.
 *
 * If the worker cannot start or dies, the app's connection checkpoints by itself again.
 */
import { Worker } from 'node:worker_threads';

export const CHECKPOINT_INTERVAL_MS = 200;
export const MAX_WAL_FRAMES = 16_384;
const JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024;
const DEFAULT_AUTOCHECKPOINT = 1000;

/** The part of a better-sqlite3 connection used here. */
export interface SqliteConnection {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  readonly name: string;
  readonly memory: boolean;
}

/** What one checkpoint did (the `wal_checkpoint` pragma's row). */
export interface CheckpointResult {
  mode: 'PASSIVE';
  busy: number;
  /** Frames in the WAL. */
  log: number;
  /** Frames of it copied into the database file. */
  checkpointed: number;
}

/**
 * The worker's code, evaluated (not a file next to this one: under ts-jest there is no compiled
 * .js to point a Worker at). Plain JS on purpose; better-sqlite3 comes in by absolute path.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
let timer;
function checkpoint(mode) {
  const row = db.pragma('wal_checkpoint(' + mode + ')')[0];
  parentPort.postMessage({ mode, busy: row.busy, log: row.log, checkpointed: row.checkpointed });
  return row;
}
function tick() {
  try {
    checkpoint('PASSIVE');
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
  timer = setTimeout(tick, workerData.intervalMs);
}
parentPort.on('message', (m) => {
  if (m === 'stop') { clearTimeout(timer); db.close(); process.exit(0); }
});
parentPort.postMessage({ started: true });
tick();
`;

export interface CheckpointerOptions {
  intervalMs?: number;
  maxWalFrames?: number;
  busyTimeoutMs?: number;
  /**
   * Runs `fn` between two write transactions of the app's connection (the app: its write queue).
   * Default: at once.
   */
  catchUp?: (fn: () => void) => Promise<void>;
  /** Every checkpoint the worker ran (tests, metrics). */
  onCheckpoint?: (result: CheckpointResult) => void;
  onError?: (message: string) => void;
}

export class SqliteCheckpointer {
  private worker?: Worker;
  private stopping = false;
  private catchingUp = false;
  /** Checkpoints the app's connection ran itself because the WAL passed the bound. */
  catchUps = 0;

  constructor(
    private readonly db: SqliteConnection,
    private readonly options: CheckpointerOptions = {},
  ) {}

  /** Resolves once the worker has its connection open and the app's connection stopped checkpointing. */
  async start(): Promise<void> {
    if (this.db.memory || this.worker) return;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver: require.resolve('better-sqlite3'),
        file: this.db.name,
        intervalMs: this.options.intervalMs ?? CHECKPOINT_INTERVAL_MS,
        busyTimeoutMs: this.options.busyTimeoutMs ?? 5000,
      },
    });
    // Never what keeps the process alive.
    worker.unref();
    this.worker = worker;
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (m: { started?: true; error?: string } & Partial<CheckpointResult>) => {
        if (m.started) return resolve();
        if (m.error !== undefined) return this.options.onError?.(m.error);
        this.options.onCheckpoint?.(m as CheckpointResult);
        if ((m.log ?? 0) > (this.options.maxWalFrames ?? MAX_WAL_FRAMES)) this.catchUp();
      });
      worker.once('error', (err) => {
        this.fallBack();
        reject(err);
      });
      worker.once('exit', () => {
        this.fallBack();
        resolve();
      });
    });
    if (this.worker === worker) {
      this.db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
      this.db.pragma('wal_autocheckpoint = 0');
    }
  }

  /** Stops the worker (its connection closed) and gives checkpointing back to the app's connection. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.stopping = true;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // Unref'd, the worker would not keep the process alive while we wait for its exit: a process
    // with nothing else left (the admin CLI) ended naturally, with code 0, before the caller's
    // process.exit(code) ran (its usage error exited 0 instead of 2 about one run in three).
    worker.ref();
    worker.postMessage('stop');
    await exited;
  }

  get running(): boolean {
    return this.worker !== undefined;
  }

  /** The WAL passed the bound: one passive checkpoint on the app's connection (see the header). */
  private catchUp(): void {
    if (this.catchingUp) return;
    this.catchingUp = true;
    const run = () => {
      if (!this.worker) return;
      this.catchUps++;
      this.db.pragma('wal_checkpoint(PASSIVE)');
    };
    (this.options.catchUp ?? (async (fn: () => void) => fn()))(run)
      .catch((err: Error) => this.options.onError?.(`catch-up checkpoint failed: ${err.message}`))
      .finally(() => (this.catchingUp = false));
  }

  private fallBack(): void {
    if (!this.worker) return;
    this.worker = undefined;
    try {
      this.db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT}`);
    } catch {
      // The app's connection is closed already (shutdown): nothing to give back.
    }
    if (!this.stopping) this.options.onError?.('checkpoint worker exited; the connection checkpoints by itself again');
  }
}

/**
 * Runs the BUILT server (`node dist/src/main.js`) as a real child process, for the tests that
 * need a real process: signals (drain), start-up failures (config), kill -9 durability.
 *
 * The caller passes the database env (usually `(await createTestDatabase()).env`) so a restarted
 * server can reuse the same SQLite file / PostgreSQL schema. Ports default to 0 (free ports); the
 * actual ports are parsed from main.ts's line `Switchboard listening: TCP <port>, HTTP ops <port>`.
 *
 * `npm test` builds dist/ first (pretest). When jest is run directly, dist/ is rebuilt here if it
 * is missing or older than the sources (once per test process, under a cross-process lock).
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Env } from '../../src/config';

const ROOT = path.resolve(__dirname, '../..');
export const SERVER_ENTRY = path.join(ROOT, 'dist/src/main.js');
const LISTENING = /Switchboard listening: TCP (\d+)(?:, TLS on (\d+))?, HTTP ops (\d+)(?:.*, WebSocket (\d+))?/;

export interface SpawnedServer {
  child: ChildProcess;
  tcpPort: number;
  httpPort: number;
  tlsPort?: number;
  /** WS_PORT's bound port, when the server runs a WebSocket listener. */
  wsPort?: number;
  /** Lines the process wrote to stdout / stderr so far (kept growing while it runs). */
  stdout: string[];
  stderr: string[];
  /** Sends a signal (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<ExitInfo>;
  waitExit(): Promise<ExitInfo>;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** How long to wait for the listening line (default 20 s). */
  startTimeoutMs?: number;
}

/** A started process plus what it printed; resolves when it exits. */
export interface RunResult extends ExitInfo {
  stdout: string[];
  stderr: string[];
}

let built = false;

/** Builds dist/ if missing or stale. Serialised across jest workers with a lock directory. */
export function ensureBuilt(): void {
  if (built) return;
  const lock = path.join(ROOT, 'dist', '.build-lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // Another worker is building; a lock older than 2 minutes is left over from a crash.
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 120_000)
          fs.rmSync(lock, { recursive: true, force: true });
      } catch {
        /* vanished meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-if-needed.js')], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  } catch (err) {
    // tsc still emits on type errors (reported above and by `npm run typecheck`); only a missing
    // entry point makes a spawn test meaningless.
    if (!fs.existsSync(SERVER_ENTRY)) throw err;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
  built = true;
}

function serverEnv(env: Env): NodeJS.ProcessEnv {
  // Inherit PATH & co. but none of the server's own settings from the test runner's shell.
  const base: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(DATABASE_|SQLITE_|TCP_|HTTP_|TLS_|REDIS_|MIGRATIONS_|LOG_|FILE_)/.test(key))
      base[key] = value;
  }
  return {
    ...base,
    NODE_ENV: 'test',
    TCP_HOST: '127.0.0.1',
    TCP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    // Spawned servers run side by side: the file data channel must not claim its default 9500.
    FILE_PORT: '0',
    FILE_STORAGE_DIR: path.join(os.tmpdir(), `switchboard-spawned-files-${process.pid}`),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    ...env,
  };
}

function collectLines(
  stream: NodeJS.ReadableStream,
  into: string[],
  onLine?: (line: string) => void,
): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    rest += chunk;
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      into.push(line);
      onLine?.(line);
    }
  });
  stream.on('end', () => {
    if (rest) into.push(rest);
    rest = '';
  });
}

function start(env: Env): {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<ExitInfo>;
} {
  ensureBuilt();
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    cwd: ROOT,
    env: serverEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  collectLines(child.stderr!, stderr);
  const exited = new Promise<ExitInfo>((resolve) => {
    // 'close' (not 'exit') so every line of output has been collected.
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, stdout, stderr, exited };
}

/** Starts the built server and resolves once it listens. Rejects (with its stderr) if it exits first. */
export async function spawnServer(
  env: Env = {},
  options: SpawnOptions = {},
): Promise<SpawnedServer> {
  const { child, stdout, stderr, exited } = start(env);
  const ports = await new Promise<{ tcp: number; http: number; tls?: number; ws?: number }>(
    (resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(
          new Error(
            `server did not report listening within ${options.startTimeoutMs ?? 20_000} ms\n${stderr.join('\n')}`,
          ),
        );
      }, options.startTimeoutMs ?? 20_000);
      collectLines(child.stdout!, stdout, (line) => {
        const m = LISTENING.exec(line);
        if (!m) return;
        clearTimeout(timer);
        resolve({ tcp: Number(m[1]), tls: m[2] ? Number(m[2]) : undefined, http: Number(m[3]), ws: m[4] ? Number(m[4]) : undefined });
      });
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(
          new Error(
            `server exited (code ${code}, signal ${signal}) before listening\n${stderr.join('\n')}`,
          ),
        );
      });
    },
  );
  return {
    child,
    tcpPort: ports.tcp,
    httpPort: ports.http,
    tlsPort: ports.tls,
    wsPort: ports.ws,
    stdout,
    stderr,
    waitExit: () => exited,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the built server expecting it to exit by itself (e.g. a config error at start-up). */
export async function runServerToExit(env: Env = {}, timeoutMs = 20_000): Promise<RunResult> {
  const { child, stdout, stderr, exited } = start(env);
  collectLines(child.stdout!, stdout);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const info = await exited;
  clearTimeout(timer);
  return { ...info, stdout, stderr };
}

/**
 * Ping load generator: request rate and latency percentiles of pipelined pings over N concurrent
 * connections against, in the same run,
 *   (a) a bare Node `net` newline-JSON server (bench/servers/bare-server.ts),
 *   (b) Nest's own TCP transport with a @MessagePattern('ping') handler (length-prefixed JSON),
 *   (c) Switchboard (the real built server, dist/src/main.js) with control/ping,
 *   (d) the Switchboard transport alone (bench/servers/switchboard-min-server.ts), to show what
 *       the app's plugins and global guards add on top of the transport,
 * each in its own child process, the load generator in this one. Prints ratios vs (a).
 *
 *   npm run bench                      (builds with tsc, then runs dist/bench/ping-bench.js)
 *   BENCH_CONNECTIONS=16 BENCH_PIPELINE=16 BENCH_DURATION_MS=5000 BENCH_TARGETS=bare,nest,switchboard,transport-only
 *
 * A measurement tool, never a test assertion: numbers depend on the machine.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { DecodedFrame, LineFrameDecoder } from '../src/shared/protocol/framing';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const PIPELINE = Number(process.env.BENCH_PIPELINE ?? 16);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1500);
const TARGETS = (process.env.BENCH_TARGETS ?? 'bare,nest,switchboard,transport-only').split(',').map((t) => t.trim());
const ROOT = path.resolve(__dirname, '..', '..');

type Protocol = 'line' | 'nest';

interface Target {
  name: string;
  label: string;
  protocol: Protocol;
  start(): Promise<{ port: number; child: ChildProcess }>;
}

interface Result {
  target: Target;
  requests: number;
  seconds: number;
  latenciesMs: Float64Array;
  errors: number;
  /** Server CPU time (user+system) during the measured window, in ms; NaN off Linux. */
  serverCpuMs: number;
}

/**
 * CPU time a process has used, in ms (Linux /proc; clock ticks of 10 ms). The machine may be
 * busy with other work, so CPU per request is the steadier number for comparing servers.
 */
function cpuMs(pid: number | undefined): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------------------------------------
// Servers (one child process each)

function spawnServer(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ port: number; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    // BENCH_NODE_ARGS="--cpu-prof" profiles the servers (profiles land in the repo root).
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = ready.exec(out);
      if (match) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve({ port: Number(match[1]), child });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before listening:\n${out}`)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const targets: Target[] = [
  {
    name: 'bare',
    label: '(a) bare net newline-JSON',
    protocol: 'line',
    start: () => spawnServer([path.join(__dirname, 'servers', 'bare-server.js')], { PORT: '0' }, /LISTENING (\d+)/),
  },
  {
    name: 'nest',
    label: '(b) Nest Transport.TCP',
    protocol: 'nest',
    start: async () =>
      spawnServer([path.join(__dirname, 'servers', 'nest-tcp-server.js')], { PORT: String(await freePort()) }, /LISTENING (\d+)/),
  },
  {
    name: 'transport-only',
    label: '(d) Switchboard transport only',
    protocol: 'line',
    start: () => spawnServer([path.join(__dirname, 'servers', 'switchboard-min-server.js')], {}, /LISTENING (\d+)/),
  },
  {
    name: 'switchboard',
    label: '(c) Switchboard control/ping',
    protocol: 'line',
    start: () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-'));
      // The real server with its full pipeline (guards, pipes, interceptors, filter, plugins);
      // request rate limits are off and logs at warn so the bench measures the transport path.
      return spawnServer(
        [path.join(ROOT, 'dist', 'src', 'main.js')],
        {
          NODE_ENV: 'production',
          TCP_HOST: '127.0.0.1',
          TCP_PORT: '0',
          HTTP_HOST: '127.0.0.1',
          HTTP_PORT: '0',
          SQLITE_PATH: path.join(dir, 'bench.sqlite'),
          DATABASE_URL: '',
          REDIS_URL: '',
          LOG_LEVEL: 'warn',
          AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
          RATE_LIMIT_CONN_RPS: '0',
          RATE_LIMIT_USER_RPS: '0',
        },
        /Switchboard listening: TCP (\d+)/,
      );
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Load generator

class LoadConnection {
  private readonly socket: net.Socket;
  private readonly started = new Map<string, bigint>();
  private seq = 0;
  private readonly lineDecoder = new LineFrameDecoder({ maxFrameBytes: 1 << 20 });
  private readonly text = new StringDecoder('utf8');
  private nestBuffer = '';
  private outgoing = '';

  constructor(
    private readonly protocol: Protocol,
    private readonly prefix: string,
    private readonly state: { sending: boolean; measuring: boolean; latencies: number[]; requests: number; errors: number },
    socket: net.Socket,
  ) {
    this.socket = socket;
    socket.setNoDelay(true);
    const onLine = (frame: DecodedFrame) => {
      if (frame.kind !== 'frame') return this.state.errors++;
      const f = frame.value as { id: string; payload: { status: number } };
      this.complete(f.id, f.payload.status === 200);
    };
    socket.on('data', (chunk: Buffer) => {
      if (protocol === 'line') this.lineDecoder.push(chunk, onLine);
      else this.onNestData(chunk);
      // One write per received chunk (not per response), like a real pipelining client.
      if (this.outgoing) {
        socket.write(this.outgoing);
        this.outgoing = '';
      }
    });
    socket.on('error', () => undefined);
  }

  fill(): void {
    let batch = '';
    for (let i = 0; i < PIPELINE; i++) batch += this.request();
    this.socket.write(batch);
  }

  close(): void {
    this.socket.destroy();
  }

  private request(): string {
    const id = `${this.prefix}-${++this.seq}`;
    this.started.set(id, process.hrtime.bigint());
    if (this.protocol === 'line') {
      return JSON.stringify({ id, type: 'request', command: 'control/ping', headers: { version: '1.0' }, payload: {} }) + '\n';
    }
    const json = JSON.stringify({ pattern: 'ping', data: {}, id });
    return `${json.length}#${json}`;
  }

  private complete(id: string, ok: boolean): void {
    const t0 = this.started.get(id);
    if (t0 === undefined) return;
    this.started.delete(id);
    if (!ok) this.state.errors++;
    if (this.state.measuring) {
      this.state.requests++;
      this.state.latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    if (this.state.sending) this.outgoing += this.request();
  }

  /** Nest's JsonSocket framing: `<length in characters>#<json>`. */
  private onNestData(chunk: Buffer): void {
    this.nestBuffer += this.text.write(chunk);
    for (;;) {
      const hash = this.nestBuffer.indexOf('#');
      if (hash === -1) return;
      const length = Number(this.nestBuffer.slice(0, hash));
      if (this.nestBuffer.length < hash + 1 + length) return;
      const message = JSON.parse(this.nestBuffer.slice(hash + 1, hash + 1 + length)) as { id: string; response?: unknown; err?: unknown };
      this.nestBuffer = this.nestBuffer.slice(hash + 1 + length);
      // A lone `{id, isDisposed: true}` completion (if Nest sends one separately) is not a reply.
      if (message.response !== undefined || message.err !== undefined) this.complete(message.id, message.err === undefined);
    }
  }
}

async function runLoad(target: Target, port: number, pid: number | undefined): Promise<Result> {
  const state = { sending: true, measuring: false, latencies: [] as number[], requests: 0, errors: 0 };
  const connections = await Promise.all(
    Array.from({ length: CONNECTIONS }, (_, i) => new Promise<LoadConnection>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(new LoadConnection(target.protocol, `c${i}`, state, socket)));
      socket.once('error', reject);
    })),
  );
  for (const c of connections) c.fill();
  await delay(WARMUP_MS);
  state.measuring = true;
  const t0 = process.hrtime.bigint();
  const cpu0 = cpuMs(pid);
  await delay(DURATION_MS);
  state.measuring = false;
  const serverCpuMs = cpuMs(pid) - cpu0;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  state.sending = false;
  for (const c of connections) c.close();
  return { target, requests: state.requests, seconds, latenciesMs: Float64Array.from(state.latencies).sort(), errors: state.errors, serverCpuMs };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  console.log(`ping bench: ${CONNECTIONS} connections × ${PIPELINE} in flight, ${DURATION_MS} ms measured after ${WARMUP_MS} ms warm-up`);
  console.log(`machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}\n`);
  const results: Result[] = [];
  for (const target of targets.filter((t) => TARGETS.includes(t.name))) {
    const { port, child } = await target.start();
    try {
      results.push(await runLoad(target, port, child.pid));
    } finally {
      await stop(child);
    }
  }
  const base = results.find((r) => r.target.name === 'bare');
  const baseRate = base ? base.requests / base.seconds : NaN;
  const rows = results.map((r) => {
    const rate = r.requests / r.seconds;
    return {
      target: r.target.label,
      'req/s': Math.round(rate),
      'p50 ms': percentile(r.latenciesMs, 50).toFixed(2),
      'p90 ms': percentile(r.latenciesMs, 90).toFixed(2),
      'p99 ms': percentile(r.latenciesMs, 99).toFixed(2),
      'max ms': percentile(r.latenciesMs, 100).toFixed(2),
      'vs (a)': Number.isNaN(baseRate) ? '-' : `${(rate / baseRate).toFixed(2)}×`,
      'server CPU µs/req': ((r.serverCpuMs * 1000) / Math.max(1, r.requests)).toFixed(1),
      errors: r.errors,
    };
  });
  console.table(rows);
  const nest = results.find((r) => r.target.name === 'nest');
  const sb = results.find((r) => r.target.name === 'switchboard');
  if (nest && sb) {
    console.log(`Switchboard / Nest TCP: ${((sb.requests / sb.seconds) / (nest.requests / nest.seconds)).toFixed(2)}×`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

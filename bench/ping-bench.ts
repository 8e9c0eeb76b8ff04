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
import type { ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { DecodedFrame, LineFrameDecoder } from '../src/shared/protocol/framing';
import { cpuMs, delay, freePort, machineLine, percentile, ROOT, spawnServer, stop, SWITCHBOARD_READY, switchboardEnv } from './bench-util';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const PIPELINE = Number(process.env.BENCH_PIPELINE ?? 16);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1500);
const TARGETS = (process.env.BENCH_TARGETS ?? 'bare,nest,switchboard,transport-only').split(',').map((t) => t.trim());

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

// ---------------------------------------------------------------------------------------------
// Servers (one child process each)

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
    // The real server with its full pipeline (guards, pipes, interceptors, filter, plugins);
    // request rate limits are off and logs at warn so the bench measures the transport path.
    start: () => spawnServer([path.join(ROOT, 'dist', 'src', 'main.js')], switchboardEnv(), SWITCHBOARD_READY),
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

async function main(): Promise<void> {
  console.log(`ping bench: ${CONNECTIONS} connections × ${PIPELINE} in flight, ${DURATION_MS} ms measured after ${WARMUP_MS} ms warm-up`);
  console.log(`${machineLine()}\n`);
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

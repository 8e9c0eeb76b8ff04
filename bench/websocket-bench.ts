/**
 * WebSocket next to TCP, in one run against ONE built server (WS_PORT on): control/ping
 * (16 connections × 16 in flight) and the user-to-user relay (message/send → the recipient's
 * message/event, 16 pairs × 32 in flight), each over TCP and over WebSocket, with the
 * WebSocket/TCP ratios. Both clients batch the same way: everything produced while handling one
 * read leaves in one socket write (the WebSocket one corks its socket around the messages).
 *
 *   npm run bench:ws        BENCH_DURATION_MS=3000 BENCH_WARMUP_MS=1000 BENCH_REPEAT=3
 *
 * A measurement tool, never a test assertion: on a shared, loaded machine look at the ratios.
 */
import type { ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { WebSocket } from 'ws';
import { DecodedFrame, LineFrameDecoder } from '../src/shared/protocol/framing';
import { cpuMs, delay, freePort, machineLine, median, percentile, ROOT, spawnServer, stop, switchboardEnv } from './bench-util';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const PAIRS = 16;
const RELAY_IN_FLIGHT = 32;
const PING_CONNECTIONS = 16;
const PING_IN_FLIGHT = 16;
/** The ready line; the WebSocket port is the one spawnServer reads (the TCP port is chosen here). */
const READY = /Switchboard listening: TCP \d+.*, WebSocket (\d+)/;

type Kind = 'tcp' | 'ws';
interface Frame {
  id: string;
  type: string;
  command: string;
  payload: Record<string, any>;
}

class State {
  sending = true;
  measuring = false;
  completed = 0;
  errors = 0;
  latencies: number[] = [];
  readonly sentAt = new Map<string, number>();
}

/** One connection over TCP (newline JSON) or WebSocket (a message per frame). */
class Conn {
  userId = '';
  token = '';
  private readonly waiting = new Map<string, (f: Frame) => void>();
  private outgoing: string[] = [];
  private seq = 0;
  private onLoadFrame?: (f: Frame) => void;
  private constructor(
    private readonly kind: Kind,
    private readonly socket: net.Socket,
    private readonly ws?: WebSocket,
  ) {}

  static async open(kind: Kind, tcpPort: number, wsPort: number): Promise<Conn> {
    if (kind === 'tcp') {
      const socket = await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port: tcpPort }, () => resolve(s));
        s.once('error', reject);
      });
      socket.setNoDelay(true);
      const conn = new Conn('tcp', socket);
      const decoder = new LineFrameDecoder({ maxFrameBytes: 8 << 20 });
      const onFrame = (d: DecodedFrame) => d.kind === 'frame' && conn.onFrame(d.value as Frame);
      socket.on('data', (chunk: Buffer) => {
        decoder.push(chunk, onFrame);
        conn.flush();
      });
      return conn;
    }
    const ws = new WebSocket(`ws://127.0.0.1:${wsPort}/`, { perMessageDeflate: false });
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    const raw = (ws as unknown as { _socket: net.Socket })._socket;
    const conn = new Conn('ws', raw, ws);
    ws.on('message', (data: Buffer) => conn.onFrame(JSON.parse(data.toString('utf8')) as Frame));
    // After ws handled a read (its listener runs first): one write for what it produced.
    raw.on('data', () => conn.flush());
    return conn;
  }

  request(command: string, payload: Record<string, unknown>): Promise<Frame> {
    const id = `s${++this.seq}`;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.queue(this.frame(id, command, payload));
      this.flush();
    });
  }

  /** Keeps `inFlight` requests going; `latencyOnEvent`: a sample ends at the recipient's message/event. */
  startLoad(state: State, inFlight: number, next: () => { command: string; payload: Record<string, unknown> }, latencyOnEvent: boolean): void {
    const started = new Map<string, number>();
    const send = () => {
      const { command, payload } = next();
      const id = `l${++this.seq}`;
      started.set(id, performance.now());
      if (latencyOnEvent) state.sentAt.set((payload.content as { text: string }).text, performance.now());
      this.queue(this.frame(id, command, payload));
    };
    this.onLoadFrame = (f) => {
      if (f.type !== 'response' || !started.has(f.id)) return;
      const t0 = started.get(f.id)!;
      started.delete(f.id);
      if (f.payload.status !== 200) state.errors++;
      if (!latencyOnEvent && state.measuring) {
        state.completed++;
        state.latencies.push(performance.now() - t0);
      }
      if (state.sending) send();
    };
    for (let i = 0; i < inFlight; i++) send();
    this.flush();
  }

  /** Counts message/event frames (relay deliveries) with their send → delivery latency. */
  receive(state: State): void {
    this.onLoadFrame = (f) => {
      if (f.command !== 'message/event') return;
      const text = (f.payload.message as { content: { text: string } }).content.text;
      const t0 = state.sentAt.get(text);
      state.sentAt.delete(text);
      if (state.measuring && t0 !== undefined) {
        state.completed++;
        state.latencies.push(performance.now() - t0);
      }
    };
  }

  close(): void {
    if (this.ws) this.ws.terminate();
    else this.socket.destroy();
  }

  private frame(id: string, command: string, payload: Record<string, unknown>): string {
    const headers = this.token ? { version: '1.0', Authorization: `Bearer ${this.token}` } : { version: '1.0' };
    return JSON.stringify({ id, type: 'request', command, headers, payload });
  }

  private queue(frame: string): void {
    this.outgoing.push(frame);
  }

  private flush(): void {
    if (this.outgoing.length === 0) return;
    const frames = this.outgoing;
    this.outgoing = [];
    if (this.kind === 'tcp') return void this.socket.write(frames.join('\n') + '\n');
    this.socket.cork();
    for (const f of frames) this.ws!.send(f);
    this.socket.uncork();
  }

  private onFrame(f: Frame): void {
    const waiter = f.type === 'response' ? this.waiting.get(f.id) : undefined;
    if (waiter) {
      this.waiting.delete(f.id);
      return waiter(f);
    }
    this.onLoadFrame?.(f);
  }
}

interface Sample {
  scenario: string;
  kind: Kind;
  rate: number;
  p50: number;
  p99: number;
  cpuUsPerUnit: number;
  errors: number;
}

async function measure(child: ChildProcess, scenario: string, kind: Kind, conns: Conn[], start: (state: State) => void): Promise<Sample> {
  const state = new State();
  start(state);
  await delay(WARMUP_MS);
  state.measuring = true;
  const t0 = performance.now();
  const cpu0 = cpuMs(child.pid);
  await delay(DURATION_MS);
  state.measuring = false;
  const cpu = cpuMs(child.pid) - cpu0;
  const seconds = (performance.now() - t0) / 1000;
  state.sending = false;
  await delay(500);
  for (const c of conns) c.close();
  const sorted = Float64Array.from(state.latencies).sort();
  return { scenario, kind, rate: state.completed / seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99), cpuUsPerUnit: (cpu * 1000) / Math.max(1, state.completed), errors: state.errors };
}

async function loggedIn(kind: Kind, tcpPort: number, wsPort: number, tag: string, n: number): Promise<Conn[]> {
  const conns: Conn[] = [];
  for (let i = 0; i < n; i++) {
    const c = await Conn.open(kind, tcpPort, wsPort);
    const username = `w${tag}${kind}${i}`;
    await c.request('auth/register', { username, password: 'bench-password-1' });
    const login = await c.request('auth/login', { username, password: 'bench-password-1', client_info: { device: 'bench' } });
    c.userId = String(login.payload.user_id);
    c.token = String(login.payload.token);
    conns.push(c);
  }
  return conns;
}

async function round(r: number): Promise<Sample[]> {
  const tcpPort = await freePort();
  const { port: wsPort, child } = await spawnServer([path.join(ROOT, 'dist', 'src', 'main.js')], switchboardEnv({ TCP_PORT: String(tcpPort), WS_PORT: '0' }), READY);
  const samples: Sample[] = [];
  try {
    for (const kind of ['tcp', 'ws'] as Kind[]) {
      const pingers = await Promise.all(Array.from({ length: PING_CONNECTIONS }, () => Conn.open(kind, tcpPort, wsPort)));
      samples.push(await measure(child, 'ping', kind, pingers, (state) => {
        for (const c of pingers) c.startLoad(state, PING_IN_FLIGHT, () => ({ command: 'control/ping', payload: {} }), false);
      }));
      const users = await loggedIn(kind, tcpPort, wsPort, `${r}${Date.now().toString(36)}`, 2 * PAIRS);
      let text = 0;
      samples.push(await measure(child, 'relay', kind, users, (state) => {
        for (let p = 0; p < PAIRS; p++) {
          const [a, b] = [users[2 * p], users[2 * p + 1]];
          b.receive(state);
          a.startLoad(state, RELAY_IN_FLIGHT, () => ({ command: 'message/send', payload: { target: { type: 'user', id: b.userId }, content: { type: 'text', text: `${kind}${++text}` } } }), true);
        }
      }));
    }
  } finally {
    await stop(child);
  }
  return samples;
}

async function main(): Promise<void> {
  console.log(`websocket bench: ping ${PING_CONNECTIONS}×${PING_IN_FLIGHT}, relay ${PAIRS} pairs × ${RELAY_IN_FLIGHT}, ${DURATION_MS} ms after ${WARMUP_MS} ms warm-up, median of ${REPEAT} rounds`);
  console.log(`${machineLine()}\n`);
  const all: Sample[] = [];
  for (let r = 0; r < REPEAT; r++) all.push(...(await round(r)));
  const rows = [];
  for (const scenario of ['ping', 'relay']) {
    const med = (kind: Kind, key: keyof Sample) => median(all.filter((s) => s.scenario === scenario && s.kind === kind).map((s) => s[key] as number));
    for (const kind of ['tcp', 'ws'] as Kind[]) {
      rows.push({
        scenario,
        transport: kind === 'tcp' ? 'TCP' : 'WebSocket',
        'per second': `${Math.round(med(kind, 'rate'))} ${scenario === 'ping' ? 'req' : 'msg'}`,
        'p50 ms': med(kind, 'p50').toFixed(2),
        'p99 ms': med(kind, 'p99').toFixed(2),
        'server CPU µs/unit': med(kind, 'cpuUsPerUnit').toFixed(1),
        'vs TCP': `${(med(kind, 'rate') / med('tcp', 'rate')).toFixed(2)}×`,
        errors: all.filter((s) => s.scenario === scenario && s.kind === kind).reduce((n, s) => n + s.errors, 0),
      });
    }
  }
  console.table(rows);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

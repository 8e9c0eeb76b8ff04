/**
 * The load generator's connection: newline-JSON frames over one socket, request/response
 * matching for set-up, and a load mode that keeps N requests in flight and completes a sample
 * on the response (or on the recipient's `message/event`, for relay latency).
 */
import * as net from 'node:net';
import { DecodedFrame, LineFrameDecoder } from '../src/shared/protocol/framing';

export interface Frame {
  id: string;
  type: string;
  command: string;
  payload: Record<string, unknown> & { status?: number; message?: { content?: { text?: string } } };
}

/** Shared counters of one measured scenario. */
export class LoadState {
  sending = true;
  measuring = false;
  latencies: number[] = [];
  /** Completed units: responses, or deliveries (message/event frames received). */
  completed = 0;
  errors = 0;
  firstError?: string;
  /** Send time per message text, for send → event latency. */
  readonly sentAt = new Map<string, number>();

  error(detail: string): void {
    this.errors++;
    this.firstError ??= detail;
  }
}

export type NextRequest = () => { command: string; payload: Record<string, unknown> };

let uniq = 0;

export class BenchConn {
  readonly socket: net.Socket;
  userId = '';
  token = '';
  private readonly decoder = new LineFrameDecoder({ maxFrameBytes: 8 << 20 });
  private readonly waiting = new Map<string, (f: Frame) => void>();
  private outgoing = '';
  private load?: { state: LoadState; next: NextRequest; countEvents: boolean; latencyOnEvent: boolean; started: Map<string, number> };

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    const onFrame = (decoded: DecodedFrame) => {
      if (decoded.kind !== 'frame') return this.load?.state.error(`undecodable frame (${decoded.kind})`);
      this.onFrame(decoded.value as Frame);
    };
    socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk, onFrame);
      // One write per received chunk (not per response), like a real pipelining client.
      if (this.outgoing) {
        socket.write(this.outgoing);
        this.outgoing = '';
      }
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<BenchConn> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(new BenchConn(socket)));
      socket.once('error', reject);
    });
  }

  /** One request, answered (set-up only). */
  request(command: string, payload: Record<string, unknown>): Promise<Frame> {
    const id = `setup-${++uniq}`;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.socket.write(this.frame(id, command, payload));
    });
  }

  /** A set-up request that must succeed; 503/429 answers (login queue, limits) are retried after retry_after_ms. */
  async call(command: string, payload: Record<string, unknown>): Promise<Frame> {
    for (let attempt = 0; ; attempt++) {
      const f = await this.request(command, payload);
      const status = f.payload.status;
      if (status === 200) return f;
      if ((status === 503 || status === 429) && attempt < 20) {
        await new Promise((resolve) => setTimeout(resolve, Number(f.payload.retry_after_ms ?? 500)));
        continue;
      }
      throw new Error(`${command}: ${JSON.stringify(f.payload)}`);
    }
  }

  /** Starts keeping `inFlight` requests from `next()` outstanding until state.sending is false. */
  startLoad(state: LoadState, inFlight: number, next: NextRequest, options: { latencyOnEvent?: boolean } = {}): void {
    this.load = { state, next, countEvents: false, latencyOnEvent: options.latencyOnEvent ?? false, started: new Map() };
    let batch = '';
    for (let i = 0; i < inFlight; i++) batch += this.nextRequest();
    this.socket.write(batch);
  }

  /** Counts received message/event frames as completed units (and their latency if asked). */
  receive(state: LoadState): void {
    this.load = { state, next: () => ({ command: '', payload: {} }), countEvents: true, latencyOnEvent: true, started: new Map() };
  }

  /** Requests sent in load mode and not answered yet. */
  get outstanding(): number {
    return this.load?.started.size ?? 0;
  }

  stopLoad(): void {
    this.load = undefined;
  }

  close(): void {
    this.socket.destroy();
  }

  private nextRequest(): string {
    const load = this.load!;
    const { command, payload } = load.next();
    const id = `r-${++uniq}`;
    const now = performance.now();
    load.started.set(id, now);
    if (load.latencyOnEvent) {
      const text = (payload.content as { text?: string } | undefined)?.text;
      if (text) load.state.sentAt.set(text, now);
    }
    return this.frame(id, command, payload);
  }

  private frame(id: string, command: string, payload: Record<string, unknown>): string {
    const headers: Record<string, string> = { version: '1.0' };
    if (this.token && command !== 'control/ping') headers.Authorization = `Bearer ${this.token}`;
    return JSON.stringify({ id, type: 'request', command, headers, payload }) + '\n';
  }

  private onFrame(f: Frame): void {
    const waiter = this.waiting.get(f.id);
    if (waiter) {
      this.waiting.delete(f.id);
      return waiter(f);
    }
    const load = this.load;
    if (!load) return;
    const { state } = load;
    if (f.type === 'event') {
      if (!load.countEvents || f.command !== 'message/event') return;
      const text = f.payload.message?.content?.text;
      const t0 = text === undefined ? undefined : state.sentAt.get(text);
      if (state.measuring) {
        state.completed++;
        if (t0 !== undefined) state.latencies.push(performance.now() - t0);
      }
      if (text !== undefined) state.sentAt.delete(text);
      return;
    }
    const t0 = load.started.get(f.id);
    if (t0 === undefined) return;
    load.started.delete(f.id);
    if (f.payload.status !== 200) state.error(`${f.command}: ${JSON.stringify(f.payload).slice(0, 300)}`);
    else if (state.measuring && !load.latencyOnEvent) {
      state.completed++;
      state.latencies.push(performance.now() - t0);
    }
    if (state.sending) this.outgoing += this.nextRequest();
  }
}

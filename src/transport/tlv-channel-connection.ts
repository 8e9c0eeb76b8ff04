/**
 * One connection on a side channel (tlv-channel.ts): what a module serving the channel sees —
 * framed sends with write backpressure, end/destroy, per-connection attributes — and why the
 * transport may turn a connection away (ChannelRefusal).
 */
import { randomBytes } from 'node:crypto';
import type { FrameSocket } from './connection';
import { encodeTlvHeader } from '../shared/protocol';

/** Why the transport turns a channel connection away (the module tells the peer in its own framing). */
export interface ChannelRefusal {
  status: number;
  error_code: 'FRAME_TOO_LARGE' | 'FRAME_TIMEOUT' | 'IDLE_TIMEOUT' | 'TOO_MANY_CONNECTIONS' | 'SERVER_DRAINING' | 'INTERNAL_ERROR' | 'RATE_LIMITED';
  error_message: string;
  retry_after_ms?: number;
}

const PROCESS_TAG = randomBytes(4).toString('hex');
let nextId = 0;

/** One connection on a side channel. Only the transport touches its socket. */
export class ChannelConnection {
  readonly id = `d-${PROCESS_TAG}-${(++nextId).toString(36)}`;
  readonly remoteAddress: string;
  readonly connectedAt = Date.now();
  /** Free-form state for the module serving the channel. */
  readonly attributes = new Map<string, unknown>();
  /** Frames accepted so far (0 → the idle timeout still applies). */
  framesIn = 0;
  closed = false;
  ending = false;
  private writeWaiters: (() => void)[] = [];
  private drainTimer?: NodeJS.Timeout;

  constructor(
    readonly channel: string,
    /** @internal the transport's socket; modules use send()/writable()/end(). */
    readonly socket: FrameSocket,
    private readonly drainTimeoutMs: number,
  ) {
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    socket.on('drain', () => {
      if (this.drainTimer) clearTimeout(this.drainTimer);
      this.drainTimer = undefined;
      this.releaseWriters();
    });
  }

  get bytesRead(): number {
    return this.socket.bytesRead;
  }

  get bytesWritten(): number {
    return this.socket.bytesWritten;
  }

  /** Bytes waiting in the socket's write buffer. */
  get writableLength(): number {
    return this.socket.writableLength;
  }

  /** True while the socket's write buffer is above its high-water mark: wait for writable(). */
  get needsDrain(): boolean {
    return this.socket.writableNeedDrain;
  }

  /**
   * Writes one TLV frame. Returns false once the write buffer is full; the caller then awaits
   * writable() before sending more (a peer that never reads is destroyed after DRAIN_TIMEOUT_MS).
   */
  send(type: number, payload: Buffer | string): boolean {
    if (this.closed || this.ending) return false;
    const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    const header = encodeTlvHeader(type, body.length);
    // Header and payload as two writes in one cork: no copy of a large data payload.
    this.socket.cork();
    this.socket.write(header);
    const ok = this.socket.write(body);
    this.socket.uncork();
    if (!ok && !this.drainTimer) {
      this.drainTimer = setTimeout(() => this.socket.destroy(), this.drainTimeoutMs);
      this.drainTimer.unref();
    }
    return ok;
  }

  /** Resolves once more can be sent (immediately when the buffer has room, or on close). */
  writable(): Promise<void> {
    if (this.closed || !this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => this.writeWaiters.push(resolve));
  }

  /** Flushes what was sent, then closes. No frame is delivered to onFrame after this. */
  end(): void {
    if (this.closed || this.ending) return;
    this.ending = true;
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), Math.min(this.drainTimeoutMs, 5000));
    timer.unref();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** @internal */
  markClosed(): void {
    this.closed = true;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.releaseWriters();
  }

  private releaseWriters(): void {
    const waiters = this.writeWaiters;
    this.writeWaiters = [];
    for (const w of waiters) w();
  }
}

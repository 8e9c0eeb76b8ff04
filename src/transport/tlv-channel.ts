/**
 * Side channels: a module serves a second port through the transport (e.g. the file module's TLV
 * data channel on FILE_PORT) instead of a hand-made server, and gets what the control port has:
 * the same host and TLS settings (createTlsServer), MAX_CONNECTIONS and MAX_CONNECTIONS_PER_IP per channel, the idle and
 * stalled-frame timeouts, bounded buffers with backpressure, drain/close handling and metrics
 * (TransportPlugin.onChannelOpen/onChannelClose/onChannelRejected).
 *
 * Usage, from a module's onModuleInit (before or after the transport listens):
 *
 *   const channel = server.serveChannel({
 *     name: 'file', port: 9500, maxPayloadBytes: 1 << 20,
 *     onFrame: async (conn, frame) => { ... conn.send(TlvType.ACK, json) ... },
 *     onRefuse: (conn, refusal) => conn.send(TlvType.ERROR, JSON.stringify(refusal)),
 *   });
 *   channel.port; channel.protocol; // what to advertise to clients
 *
 * Frames are TLV (type 1 byte, length 4 bytes LE, payload; shared/protocol/framing.ts). They are
 * handed to onFrame one at a time, in order (the next waits for a returned promise). Reading
 * continues ahead while the handler works, up to READ_AHEAD_FRAMES frames' worth, then the
 * socket is paused: a slow disk slows the sender down instead of filling memory. Memory per
 * connection is bounded by (READ_AHEAD_FRAMES + 1) × maxPayloadBytes plus one socket read.
 */
import type { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import type { SwitchboardServerOptions } from './transport-options';
import { encodeTlvHeader, TLV_HEADER_BYTES, TlvDecoder, TlvFrame } from '../shared/protocol';
import { createPortServer } from './listeners';
import { tlsEnabled } from './tls-options';
import type { TransportPlugin } from './transport-plugin';

/** Why the transport turns a channel connection away (the module tells the peer in its own framing). */
export interface ChannelRefusal {
  status: number;
  error_code: 'FRAME_TOO_LARGE' | 'FRAME_TIMEOUT' | 'IDLE_TIMEOUT' | 'TOO_MANY_CONNECTIONS' | 'SERVER_DRAINING' | 'INTERNAL_ERROR';
  error_message: string;
  retry_after_ms?: number;
}

export interface ChannelOptions {
  /** Short name for logs and metrics labels ("file"). */
  name: string;
  /** Port to listen on (0 picks a free one). Host and TLS follow the control port's settings. */
  port: number;
  /** Largest accepted payload of one TLV frame; a larger length header is refused before buffering. */
  maxPayloadBytes: number;
  /** A new connection (after the TLS handshake), before any frame. */
  onOpen?(conn: ChannelConnection): void;
  /** One frame, in order; the next waits until a returned promise settles (a rejection closes with INTERNAL_ERROR). */
  onFrame(conn: ChannelConnection, frame: TlvFrame): void | Promise<void>;
  /** Tell the peer why the transport refuses or closes it; the connection is ended right after this returns. */
  onRefuse(conn: ChannelConnection, refusal: ChannelRefusal): void;
  /** The connection closed (either side, or destroyed). */
  onClose?(conn: ChannelConnection): void;
}

/** A channel being served. */
export interface ServedChannel {
  readonly name: string;
  /** The bound port (useful with port 0); 0 until listening. */
  readonly port: number;
  readonly protocol: 'tcp' | 'tls';
  /** Open connections of this channel. */
  readonly connections: ReadonlySet<ChannelConnection>;
}

const PROCESS_TAG = randomBytes(4).toString('hex');
/** Frames (of the largest size) a connection may hold decoded while its handler is busy. */
const READ_AHEAD_FRAMES = 4;
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
    readonly socket: net.Socket,
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

/** Owns the side channels of one SwitchboardServer (listeners, sockets, per-connection reading). */
export class ChannelHost {
  private readonly channels: Channel[] = [];
  private draining = false;
  private closing = false;

  constructor(
    private readonly config: SwitchboardServerOptions,
    private readonly plugins: readonly TransportPlugin[],
    private readonly logger: Logger,
  ) {}

  add(options: ChannelOptions, listenNow: boolean, onError: (err: Error) => void): ServedChannel {
    const channel = new Channel(options, this.config, this.plugins, this.logger, () => this.closing);
    this.channels.push(channel);
    if (listenNow) channel.listen(this.config.host, onError, () => undefined);
    return channel;
  }

  /** Starts every channel not listening yet; calls done once all are. */
  listenAll(onError: (err: Error) => void, done: () => void): void {
    const pending = this.channels.filter((c) => !c.started);
    let left = pending.length;
    if (left === 0) return done();
    for (const c of pending) c.listen(this.config.host, onError, () => --left === 0 && done());
  }

  get allListening(): boolean {
    return this.channels.every((c) => c.listening);
  }

  /** Closes the listeners; open channel connections are told SERVER_DRAINING (they resume elsewhere). */
  async stopAccepting(retryAfterMs: number): Promise<void> {
    if (!this.draining && !this.closing) for (const c of this.channels) c.drain(retryAfterMs);
    this.draining = true;
    await Promise.all(this.channels.map((c) => c.stopListening()));
  }

  /** Destroys every channel socket and closes the listeners. */
  async close(): Promise<void> {
    this.closing = true;
    for (const c of this.channels) c.destroyAll();
    await Promise.all(this.channels.map((c) => c.stopListening()));
  }
}

class Channel implements ServedChannel {
  readonly connections = new Set<ChannelConnection>();
  readonly protocol: 'tcp' | 'tls';
  started = false;
  private readonly server: net.Server;
  private readonly rawSockets = new Set<net.Socket>();
  private readonly perAddress = new Map<string, number>();

  constructor(
    private readonly options: ChannelOptions,
    private readonly config: SwitchboardServerOptions,
    private readonly plugins: readonly TransportPlugin[],
    private readonly logger: Logger,
    private readonly isClosing: () => boolean,
  ) {
    const onSocket = (socket: net.Socket) => this.accept(socket);
    const secure = tlsEnabled(config.tls);
    this.server = createPortServer(config, onSocket, logger);
    this.protocol = secure ? 'tls' : 'tcp';
    this.server.on('connection', (raw: net.Socket) => {
      this.rawSockets.add(raw);
      raw.once('close', () => this.rawSockets.delete(raw));
    });
  }

  get name(): string {
    return this.options.name;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo | null)?.port ?? 0;
  }

  get listening(): boolean {
    return this.server.listening;
  }

  listen(host: string, onError: (err: Error) => void, done: () => void): void {
    this.started = true;
    this.server.on('error', (err) => {
      this.logger.error(`${this.name} channel listener error: ${err.message}`);
      onError(err);
    });
    this.server.listen(this.options.port, host, done);
  }

  stopListening(): Promise<void> {
    return new Promise((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
  }

  drain(retryAfterMs: number): void {
    for (const conn of this.connections) {
      this.refuse(conn, {
        status: 503,
        error_code: 'SERVER_DRAINING',
        error_message: `server is shutting down; reconnect after ${retryAfterMs} ms and resume`,
        retry_after_ms: retryAfterMs,
      });
    }
  }

  destroyAll(): void {
    for (const conn of this.connections) conn.destroy();
    for (const raw of this.rawSockets) raw.destroy();
  }

  private accept(socket: net.Socket): void {
    if (this.isClosing()) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    const conn = new ChannelConnection(this.name, socket, this.config.drainTimeoutMs);
    socket.on('error', (err) => this.logger.debug?.(`${this.name} channel socket ${conn.id} error: ${err.message}`));
    if (this.connections.size >= this.config.maxConnections) {
      return this.refuse(conn, {
        status: 503,
        error_code: 'TOO_MANY_CONNECTIONS',
        error_message: `the ${this.name} channel is at its limit of ${this.config.maxConnections} connections; retry later`,
        retry_after_ms: 1000,
      });
    }
    const fromAddress = this.perAddress.get(conn.remoteAddress) ?? 0;
    if (this.config.maxConnectionsPerIp > 0 && fromAddress >= this.config.maxConnectionsPerIp) {
      return this.refuse(conn, {
        status: 503,
        error_code: 'TOO_MANY_CONNECTIONS',
        error_message: `too many ${this.name} channel connections from your address (limit ${this.config.maxConnectionsPerIp}); close unused ones or retry later`,
        retry_after_ms: 1000,
      });
    }
    this.perAddress.set(conn.remoteAddress, fromAddress + 1);
    this.connections.add(conn);
    for (const p of this.plugins) p.onChannelOpen?.(conn);
    this.options.onOpen?.(conn);

    const decoder = new TlvDecoder({ maxPayloadBytes: this.options.maxPayloadBytes });
    // Frames decoded ahead while the handler works on an earlier one: reading overlaps the
    // handler's I/O (disk writes) but stops above READ_AHEAD_FRAMES frames' worth of bytes.
    const queue: TlvFrame[] = [];
    const readAheadBytes = READ_AHEAD_FRAMES * (this.options.maxPayloadBytes + TLV_HEADER_BYTES);
    let queuedBytes = 0;
    let busy = false;
    let paused = false;
    const resumeIfDrained = () => {
      if (paused && queuedBytes <= readAheadBytes / 2 && !conn.closed && !conn.ending) {
        paused = false;
        socket.resume();
      }
    };
    let stallTimer: NodeJS.Timeout | undefined;
    const idleTimer = setTimeout(() => {
      if (conn.framesIn === 0) {
        this.refuse(conn, { status: 408, error_code: 'IDLE_TIMEOUT', error_message: `no frame within ${this.config.idleTimeoutMs} ms of connecting` });
      }
    }, this.config.idleTimeoutMs);
    idleTimer.unref();

    const fail = (err: unknown) => {
      this.logger.error(`${this.name} channel handler failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      this.refuse(conn, { status: 500, error_code: 'INTERNAL_ERROR', error_message: 'internal error; retry the transfer' });
    };
    const pump = () => {
      while (!busy && queue.length > 0 && !conn.ending && !conn.closed) {
        const frame = queue.shift()!;
        queuedBytes -= frame.length;
        let result: void | Promise<void>;
        try {
          result = this.options.onFrame(conn, frame);
        } catch (err) {
          return fail(err);
        }
        if (result && typeof (result as Promise<void>).then === 'function') {
          busy = true;
          (result as Promise<void>).then(
            () => {
              busy = false;
              pump();
              resumeIfDrained();
            },
            (err: unknown) => {
              busy = false;
              fail(err);
            },
          );
        }
      }
    };
    const onStalled = () => {
      stallTimer = undefined;
      // While we hold reading paused the peer cannot finish its frame: not its fault.
      if (paused) {
        stallTimer = setTimeout(onStalled, this.config.frameTimeoutMs).unref();
        return;
      }
      if (decoder.pendingBytes > 0) {
        this.refuse(conn, {
          status: 400,
          error_code: 'FRAME_TIMEOUT',
          error_message: `partial frame of ${decoder.pendingBytes} bytes not completed within ${this.config.frameTimeoutMs} ms`,
        });
      }
    };
    socket.on('data', (chunk: Buffer) => {
      if (conn.ending || conn.closed) return;
      const framesBefore = conn.framesIn;
      decoder.push(chunk, (decoded) => {
        if (decoded.kind === 'oversize') {
          this.refuse(conn, {
            status: 413,
            error_code: 'FRAME_TOO_LARGE',
            error_message: `frame length ${decoded.length} exceeds the limit of ${decoded.limit} bytes`,
          });
          return;
        }
        conn.framesIn++;
        queue.push(decoded.frame);
        queuedBytes += decoded.frame.length;
      });
      if (decoder.pendingBytes === 0) {
        if (stallTimer) clearTimeout(stallTimer);
        stallTimer = undefined;
      } else if (!stallTimer || conn.framesIn !== framesBefore) {
        if (stallTimer) clearTimeout(stallTimer);
        stallTimer = setTimeout(onStalled, this.config.frameTimeoutMs).unref();
      }
      pump();
      if (!paused && queuedBytes > readAheadBytes) {
        paused = true;
        socket.pause();
      }
    });
    socket.on('close', () => {
      clearTimeout(idleTimer);
      if (stallTimer) clearTimeout(stallTimer);
      queue.length = 0;
      conn.markClosed();
      this.connections.delete(conn);
      const left = (this.perAddress.get(conn.remoteAddress) ?? 1) - 1;
      if (left > 0) this.perAddress.set(conn.remoteAddress, left);
      else this.perAddress.delete(conn.remoteAddress);
      for (const p of this.plugins) p.onChannelClose?.(conn);
      try {
        this.options.onClose?.(conn);
      } catch (err) {
        this.logger.error(`${this.name} channel onClose failed: ${(err as Error).message}`);
      }
    });
  }

  /** The module tells the peer why (its own framing), then the connection ends. */
  private refuse(conn: ChannelConnection, refusal: ChannelRefusal): void {
    if (conn.closed || conn.ending) return;
    for (const p of this.plugins) p.onChannelRejected?.(conn, refusal.error_code);
    try {
      this.options.onRefuse(conn, refusal);
    } catch (err) {
      this.logger.error(`${this.name} channel onRefuse failed: ${(err as Error).message}`);
    }
    conn.end();
  }
}

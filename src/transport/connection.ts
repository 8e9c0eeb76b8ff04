/**
 * One client connection: the socket, its decoder, who it belongs to once authenticated, and an
 * outgoing queue with backpressure. Only the transport layer touches the socket; everything else
 * talks to a Connection (or, better, to the EventPublisher port).
 */
import { randomBytes } from 'node:crypto';
import { buildEnvelope, ControlCommands, encodeFrame, encodeFrameWithPayload, Envelope, LineFrameDecoder, PROTOCOL_VERSION } from '../shared/protocol';
import type { ClientCertificateIdentity } from './tls-options';

export interface ConnectionLimits {
  /** Stop reading from the socket while this many bytes are queued for writing. */
  writeBufferHighBytes: number;
  /** Drop droppable pushes (live events) while this many bytes are queued. */
  slowConsumerBytes: number;
  /** Destroy a socket that stays unwritable for this long. */
  drainTimeoutMs: number;
}

export interface SendOptions {
  /** High-priority frames overtake queued normal ones when the socket is backed up. */
  priority?: 'high' | 'normal';
  /** Live pushes the client can recover via sync: dropped when the client is a slow consumer. */
  droppable?: boolean;
  /**
   * The payload already serialized, for a payload sent to many connections (fan-out): used when
   * the frame still carries exactly that payload object after the outbound transforms (a
   * transform that seals the payload replaces the object, and then it is serialized as usual).
   */
  payloadJson?: SerializedPayload;
}

/** A payload object and its JSON, serialized once for every connection it goes to. */
export interface SerializedPayload {
  payload: object;
  json: string;
}

/**
 * What a Connection needs of its socket: a net.Socket (TCP, TLS) or a WebSocketFrameSocket
 * (websocket-socket.ts), which turns every newline-terminated frame written into one message.
 */
export interface FrameSocket {
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly localAddress?: string;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly writableLength: number;
  readonly writableNeedDrain: boolean;
  write(data: string | Uint8Array): boolean;
  end(): void;
  destroy(): void;
  pause(): void;
  resume(): void;
  cork(): void;
  uncork(): void;
  setNoDelay(noDelay: boolean): unknown;
  setKeepAlive(enable: boolean, delayMs: number): unknown;
  on(event: string, listener: (...args: any[]) => void): unknown;
  once(event: string, listener: (...args: any[]) => void): unknown;
}

export type OutboundTransform = (conn: Connection, frame: Envelope) => void;
/** Told when the server stops (true) or resumes (false) reading a socket because of backpressure. */
export type BackpressureListener = (conn: Connection, paused: boolean) => void;

let nextConnectionNumber = 0;
/**
 * Connection ids travel between nodes on the event bus (toConnections, excludeConnection), so
 * they must be unique across processes and hosts: a pid alone is not (containers all run as
 * pid 1), hence a random per-process tag.
 */
const PROCESS_TAG = randomBytes(4).toString('hex');

export class Connection {
  readonly id: string;
  readonly remoteAddress: string;
  readonly connectedAt = Date.now();
  readonly decoder: LineFrameDecoder;
  userId?: string;
  sessionId?: string;
  device?: string;
  /**
   * The verified TLS client certificate (TLS_CLIENT_AUTH request/require), for guards that bind a
   * connection to a device: `ctx.connection.clientCertificate?.fingerprint256`. Undefined on
   * plaintext connections and when no certificate was presented (request).
   */
  clientCertificate?: ClientCertificateIdentity;
  /** Protocol version the client announced last (absent → current). */
  version = PROTOCOL_VERSION;
  /** Time of the last valid inbound frame (ms), for heartbeat/idle sweeps. */
  lastFrameAt = 0;
  /** Free-form per-connection state for modules (rate-limit buckets, presence status, ...). */
  readonly attributes = new Map<string, unknown>();
  /** Requests dispatched and not yet answered. */
  inFlight = 0;
  /** Set once pushes were dropped: the client must catch up through sync/offline. */
  lagging = false;
  droppedFrames = 0;
  closed = false;
  /** end() was called: nothing more is sent or read, the socket closes once flushed. */
  ending = false;

  private readonly highQueue: string[] = [];
  private readonly normalQueue: string[] = [];
  private queuedBytes = 0;
  private drainTimer?: NodeJS.Timeout;
  private readingPaused = false;
  /** Frames written this tick, flushed as one socket write on nextTick (see write()). */
  private batch = '';
  private readonly flushBatch = (): void => {
    if (this.batch === '') return;
    const data = this.batch;
    this.batch = '';
    if (this.closed) return;
    this.socket.write(data);
    // Only a write that filled the socket buffer can change the backpressure state.
    if (this.socket.writableNeedDrain) this.applyBackpressure();
  };
  /** Serial lane for handlers that must keep the order of pipelined frames. */
  orderedTail: Promise<void> = Promise.resolve();

  constructor(
    readonly socket: FrameSocket,
    private readonly limits: ConnectionLimits,
    maxFrameBytes: number,
    private readonly outbound: OutboundTransform[],
    private readonly onBackpressure?: BackpressureListener,
  ) {
    this.id = `c-${PROCESS_TAG}-${(++nextConnectionNumber).toString(36)}`;
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    this.decoder = new LineFrameDecoder({ maxFrameBytes });
    socket.on('drain', () => this.flush());
  }

  get isAuthenticated(): boolean {
    return this.userId !== undefined;
  }

  /** True while the server is not reading this socket because the client does not read. */
  get isReadingPaused(): boolean {
    return this.readingPaused;
  }

  /** Bytes waiting to be written: the socket's own buffer plus our priority queues. */
  get pendingWriteBytes(): number {
    return this.socket.writableLength + this.queuedBytes + this.batch.length;
  }

  /** Bytes held in this connection's own priority queues (not yet handed to the socket). */
  get queuedBytesInConnection(): number {
    return this.queuedBytes;
  }

  /** Builds, transforms (signing/encryption plugins) and writes a frame. Returns false if dropped. */
  send(frame: Envelope, options: SendOptions = {}): boolean {
    if (this.closed || this.ending) return false;
    if (options.droppable && this.pendingWriteBytes > this.limits.slowConsumerBytes) {
      this.lagging = true;
      this.droppedFrames++;
      return false;
    }
    for (const transform of this.outbound) transform(this, frame);
    const shared = options.payloadJson;
    this.write(shared && frame.payload === shared.payload ? encodeFrameWithPayload(frame, shared.json) : encodeFrame(frame), options.priority === 'high');
    return true;
  }

  /** Sends a server event frame (`type: "event"`). */
  sendEvent(command: string, payload: Record<string, unknown>, options?: SendOptions): boolean {
    return this.send(buildEnvelope('event', command, payload), options);
  }

  /** Tells the client why (control/error) and closes the connection once that is flushed. */
  closeWithError(errorCode: string, errorMessage: string, extra: Record<string, unknown> = {}): void {
    if (this.closed) return;
    this.sendEvent(ControlCommands.ERROR.name, {
      status: 400,
      ...extra,
      error_code: errorCode,
      error_message: errorMessage,
    }, { priority: 'high' });
    this.end();
  }

  /** Graceful end: flush what is queued, then FIN; destroy if the peer never drains. */
  end(): void {
    if (this.closed || this.ending) return;
    this.ending = true;
    // Hand every queued frame to the socket before the FIN: after end() the socket refuses
    // writes, so a later 'drain' could no longer flush our queues (write after end).
    this.flushBatch();
    while (this.queuedBytes > 0) this.writeNext();
    this.socket.end();
    this.armDrainTimer();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Marks the connection closed and releases timers. Called by the server on socket close. */
  markClosed(): void {
    this.closed = true;
    this.batch = '';
    this.highQueue.length = 0;
    this.normalQueue.length = 0;
    this.queuedBytes = 0;
    if (this.drainTimer) clearTimeout(this.drainTimer);
  }

  private write(data: string, high: boolean): void {
    if (this.queuedBytes === 0 && !this.socket.writableNeedDrain) {
      // Fast path (the socket keeps up): no queue, no byte counting. Frames are batched until
      // the current tick's work is done, so the responses to a chunk of pipelined requests (all
      // produced in the same microtask burst) leave in ONE write of one concatenated string:
      // a write per frame was the largest single cost under load, and cork()/writev of many
      // small strings still cost more than one flat string.
      if (this.batch === '') process.nextTick(this.flushBatch);
      this.batch += data;
      return;
    }
    (high ? this.highQueue : this.normalQueue).push(data);
    this.queuedBytes += Buffer.byteLength(data);
    this.applyBackpressure();
  }

  private writeNext(): void {
    const data = this.highQueue.length > 0 ? this.highQueue.shift()! : this.normalQueue.shift()!;
    this.queuedBytes -= Buffer.byteLength(data);
    this.socket.write(data);
  }

  private flush(): void {
    if (this.closed || this.ending) return;
    while (this.queuedBytes > 0 && !this.socket.writableNeedDrain) this.writeNext();
    this.applyBackpressure();
  }

  /**
   * Reading is paused while the client does not read its responses: it cannot make us buffer an
   * unbounded amount by pipelining requests. A socket that does not drain in time is destroyed.
   *
   * Pausing requires `writableNeedDrain`, because only then is a 'drain' event (which resumes us)
   * guaranteed; and we resume as soon as the socket took all our queued frames, even when the
   * socket's own buffer is still above a (small) WRITE_BUFFER_HIGH_BYTES, for the same reason.
   */
  private applyBackpressure(): void {
    const needDrain = this.socket.writableNeedDrain;
    if (!this.readingPaused) {
      if (needDrain && this.pendingWriteBytes > this.limits.writeBufferHighBytes) {
        this.readingPaused = true;
        this.socket.pause();
        this.armDrainTimer();
        this.onBackpressure?.(this, true);
      }
    } else if (!needDrain && (this.queuedBytes === 0 || this.pendingWriteBytes <= this.limits.writeBufferHighBytes / 2)) {
      this.readingPaused = false;
      if (this.drainTimer) clearTimeout(this.drainTimer);
      this.drainTimer = undefined;
      if (!this.closed) this.socket.resume();
      this.onBackpressure?.(this, false);
    }
  }

  private armDrainTimer(): void {
    if (this.drainTimer || this.closed) return;
    this.drainTimer = setTimeout(() => this.socket.destroy(), this.limits.drainTimeoutMs);
    this.drainTimer.unref();
  }
}

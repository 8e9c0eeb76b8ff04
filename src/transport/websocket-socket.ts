/**
 * One WebSocket connection seen as the socket a Connection writes to and the server reads from,
 * so a WebSocket client goes through exactly the same accept/decode/dispatch/backpressure path as
 * a TCP one (switchboard.server.ts): the WebSocket port is a second listener of the transport, not
 * a second server.
 *
 * - In: one text message = one frame. The message is handed to the connection's line decoder
 *   with a `\n` appended; raw CR/LF inside it become spaces first (in JSON they can only be
 *   whitespace between tokens, never inside a string), so a pretty-printed frame is still one
 *   frame and two JSON texts in one message are one invalid frame, never two frames.
 * - Out: the Connection writes newline-terminated frames, often several in one string (it batches
 *   a tick's responses); each becomes one text message, all of them in one corked socket write.
 * - Backpressure reads the underlying TCP/TLS socket (`writableNeedDrain`, 'drain'), and pausing
 *   pauses the WebSocket's reading (ws pauses the socket).
 * - Binary messages are not control frames: on a control connection they close it (1003).
 *
 * In `binary` mode (a side channel such as the file channel, at ws://host:WS_PORT/<channel>) it is
 * the other way round: binary messages carry the channel's TLV byte stream (handed on as read),
 * each frame written between cork() and uncork() (ChannelConnection.send) leaves as ONE binary
 * message, and a text message closes the connection (1003).
 */
import { EventEmitter } from 'node:events';
import type * as net from 'node:net';
import type { RawData, WebSocket } from 'ws';

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;

export interface WebSocketSocketOptions {
  /** Ping the client this often; no pong (or message) by the next ping closes it. 0: never. */
  pingIntervalMs: number;
  /** A side channel's binary byte stream instead of text frames. */
  binary?: boolean;
}

export class WebSocketFrameSocket extends EventEmitter {
  /**
   * Bytes received since the last complete message, an upper bound of what ws holds of an
   * unfinished message (the stalled-frame timeout and MAX_UNAUTHENTICATED_BYTES_PER_IP read it).
   * Counted per socket read: a read that completed a message resets it.
   */
  partialBytes = 0;
  private messagesInRead = 0;
  private alive = true;
  private readonly pinger?: NodeJS.Timeout;
  private readonly binary: boolean;
  private corked = 0;
  private held: Uint8Array[] = [];

  constructor(
    readonly ws: WebSocket,
    /** The TCP or TLS socket under the WebSocket (TLS client certificate, byte counters, drain). */
    readonly raw: net.Socket,
    /** The client's address: the peer's, or X-Forwarded-For's from a trusted proxy (websocket-listener.ts). */
    readonly remoteAddress: string,
    options: WebSocketSocketOptions,
  ) {
    super();
    this.binary = options.binary === true;
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('pong', () => (this.alive = true));
    ws.on('error', (err) => this.emit('error', err));
    ws.on('close', () => {
      if (this.pinger) clearInterval(this.pinger);
      this.emit('close');
    });
    // Registered after ws's own reader: by the time this runs, ws parsed the read.
    raw.on('data', (chunk: Buffer) => {
      const completed = this.messagesInRead > 0;
      this.messagesInRead = 0;
      const before = this.partialBytes;
      this.partialBytes = completed ? 0 : this.partialBytes + chunk.length;
      // A channel's TLV reader keeps its own stall and byte accounting of the stream.
      if (!this.binary && this.partialBytes !== before && this.partialBytes > 0) this.emit('partial');
    });
    raw.on('drain', () => this.emit('drain'));
    if (options.pingIntervalMs > 0) {
      this.pinger = setInterval(() => {
        if (!this.alive) return void ws.terminate();
        this.alive = false;
        ws.ping();
      }, options.pingIntervalMs);
      this.pinger.unref();
    }
  }

  get remotePort(): number | undefined {
    return this.raw.remotePort;
  }

  get localAddress(): string | undefined {
    return this.raw.localAddress;
  }

  get bytesRead(): number {
    return this.raw.bytesRead;
  }

  get bytesWritten(): number {
    return this.raw.bytesWritten;
  }

  get writableLength(): number {
    return this.ws.bufferedAmount;
  }

  get writableNeedDrain(): boolean {
    return this.raw.writableNeedDrain;
  }

  /** Newline-terminated frames (one or many) → one text message each, in one socket write. */
  write(data: string | Uint8Array): boolean {
    if (this.ws.readyState !== this.ws.OPEN) return false;
    if (typeof data !== 'string') {
      if (this.corked > 0) this.held.push(data);
      else this.ws.send(data, { binary: true });
      return !this.raw.writableNeedDrain;
    }
    this.raw.cork();
    let start = 0;
    for (let nl = data.indexOf('\n'); nl !== -1; nl = data.indexOf('\n', start)) {
      this.ws.send(data.slice(start, nl));
      start = nl + 1;
    }
    if (start < data.length) this.ws.send(data.slice(start));
    this.raw.uncork();
    return !this.raw.writableNeedDrain;
  }

  /**
   * Graceful close (1000) after what is queued. Reading resumes (whatever paused it: backpressure,
   * a flood) so the peer's closing handshake is read; the server dispatches nothing after end().
   * ws destroys the socket if the peer never answers.
   */
  end(): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(1000);
    this.ws.resume();
  }

  destroy(): void {
    this.ws.terminate();
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  /** Binary writes until uncork() become one message (one TLV frame: header + body). */
  cork(): void {
    this.corked++;
    this.raw.cork();
  }

  uncork(): void {
    if (this.corked > 0 && --this.corked === 0 && this.held.length > 0) {
      const parts = this.held;
      this.held = [];
      if (this.ws.readyState === this.ws.OPEN) this.ws.send(parts.length === 1 ? parts[0] : Buffer.concat(parts), { binary: true });
    }
    this.raw.uncork();
  }

  setNoDelay(noDelay: boolean): void {
    this.raw.setNoDelay(noDelay);
  }

  setKeepAlive(enable: boolean, delayMs: number): void {
    this.raw.setKeepAlive(enable, delayMs);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    this.messagesInRead++;
    this.alive = true;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (isBinary !== this.binary) {
      this.ws.close(1003, this.binary ? 'this path carries TLV frames in binary messages' : 'binary messages are not frames on this path; send JSON frames as text messages');
      return;
    }
    if (this.binary) return void this.emit('data', bytes);
    const line = Buffer.allocUnsafe(bytes.length + 1);
    bytes.copy(line);
    line[bytes.length] = LF;
    if (bytes.indexOf(LF) !== -1 || bytes.indexOf(CR) !== -1) {
      for (let i = 0; i < bytes.length; i++) if (line[i] === LF || line[i] === CR) line[i] = SPACE;
    }
    this.emit('data', line);
  }
}

/**
 * The SDK's side of one data-channel connection: TLV frames in order, ERROR/CANCEL frames and a
 * lost socket turned into errors, write backpressure as a promise.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { encodeTlvHeader, TlvDecoder, TlvFrame, TlvType } from '../shared/protocol';
import { FileTransferError } from './file-transfer';

const SEND_BUFFER_BYTES = 1024 * 1024;

export interface AckBody {
  transfer_id: string;
  offset: number;
  status: number;
  file_id?: string;
}

export class FileDataConnection {
  private readonly frames: TlvFrame[] = [];
  private waiters: (() => void)[] = [];
  private failure?: Error;

  private constructor(private readonly socket: net.Socket) {
    // A server never sends more than a data chunk (≤ 4 MiB + tag) or a small JSON frame.
    const decoder = new TlvDecoder({ maxPayloadBytes: 5 * 1024 * 1024 });
    socket.on('data', (chunk: Buffer) =>
      decoder.push(chunk, (d) => {
        if (d.kind === 'oversize') this.fail(new FileTransferError(400, 'FRAME_TOO_LARGE', `server frame of ${d.length} bytes`));
        else {
          if (d.frame.type === TlvType.ERROR || d.frame.type === TlvType.CANCEL) this.failure ??= toError(d.frame);
          this.frames.push(d.frame);
        }
        this.wake();
      }),
    );
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('data connection closed')));
    socket.on('drain', () => this.wake());
  }

  /**
   * The file channel over WebSocket (`ws(s)://host:WS_PORT/file`): binary messages carrying the
   * same TLV frames, for clients that cannot reach FILE_PORT. Node only (the `ws` package).
   */
  static connectWebSocket(options: { url: string; tls?: tls.ConnectionOptions; timeoutMs?: number }): Promise<FileDataConnection> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- Node 20 has no global WebSocket; ws is a dependency
    const { WebSocket, createWebSocketStream } = require('ws') as typeof import('ws');
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(options.url, { ...options.tls, handshakeTimeout: options.timeoutMs });
      ws.once('error', reject);
      ws.once('open', () => {
        ws.off('error', reject);
        // Each write is one binary message; the server reads them as one TLV byte stream. The
        // stream only ends its readable side when the WebSocket closes: finish it there, once
        // every frame read was consumed, so the connection reports the close (and resumes).
        const stream = createWebSocketStream(ws);
        stream.once('end', () => stream.destroy());
        resolve(new FileDataConnection(stream as unknown as net.Socket));
      });
    });
  }

  static connect(options: { host: string; port: number; tls?: tls.ConnectionOptions; timeoutMs?: number }): Promise<FileDataConnection> {
    return new Promise((resolve, reject) => {
      const socket = options.tls ? tls.connect({ host: options.host, port: options.port, ...options.tls }) : net.connect({ host: options.host, port: options.port });
      socket.once('error', reject);
      // A host that never answers (a direct peer behind a firewall) fails after timeoutMs, not the OS's minutes.
      const timer = options.timeoutMs ? setTimeout(() => socket.destroy(new Error(`could not connect to ${options.host}:${options.port} within ${options.timeoutMs} ms`)), options.timeoutMs) : undefined;
      socket.once('close', () => clearTimeout(timer));
      socket.once(options.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', reject);
        socket.setNoDelay(true);
        resolve(new FileDataConnection(socket));
      });
    });
  }

  /**
   * Writes one frame; resolves once the socket can take more. Up to SEND_BUFFER_BYTES stay
   * buffered (a chunk is larger than the socket's 16 KiB high-water mark: waiting for 'drain'
   * after each would make every chunk a round trip).
   */
  async send(type: number, payload: Buffer | string): Promise<void> {
    this.throwIfFailed();
    const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    // Header and payload as two writes in one cork (one writev): the chunk is not copied.
    this.socket.cork();
    this.socket.write(encodeTlvHeader(type, body.length));
    const ok = this.socket.write(body);
    this.socket.uncork();
    if (ok || this.socket.writableLength < SEND_BUFFER_BYTES) return;
    while (this.socket.writableNeedDrain) {
      this.throwIfFailed();
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Throws if the server sent ERROR/CANCEL or the socket is gone. */
  throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  async nextAck(): Promise<AckBody> {
    const frame = await this.next();
    if (frame.type !== TlvType.ACK) throw new FileTransferError(400, 'INVALID_FRAME', `expected an ACK frame, got type ${frame.type}`);
    return JSON.parse(frame.payload.toString('utf8')) as AckBody;
  }

  /** The next DATA frame (its `parts` are the payload without a copy). */
  async nextData(): Promise<TlvFrame> {
    const frame = await this.next();
    if (frame.type !== TlvType.DATA) throw new FileTransferError(400, 'INVALID_FRAME', `expected a DATA frame, got type ${frame.type}`);
    return frame;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private async next(): Promise<TlvFrame> {
    for (;;) {
      const frame = this.frames.shift();
      if (frame) {
        if (frame.type === TlvType.ERROR || frame.type === TlvType.CANCEL) throw toError(frame);
        return frame;
      }
      this.throwIfFailed();
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

function toError(frame: TlvFrame): FileTransferError {
  let body: { status?: number; error_code?: string; error_message?: string; reason?: string; retry_after_ms?: number } = {};
  try {
    body = JSON.parse(frame.payload.toString('utf8'));
  } catch {
    // fall through with defaults
  }
  if (frame.type === TlvType.CANCEL) return new FileTransferError(body.status ?? 409, 'CANCELLED', body.reason ?? 'the transfer was cancelled');
  const retryAfter = typeof body.retry_after_ms === 'number' ? body.retry_after_ms : undefined;
  return new FileTransferError(body.status ?? 500, body.error_code ?? 'ERROR', body.error_message ?? 'data channel error', retryAfter);
}

/**
 * A raw TLV peer for side-channel tests (the file data channel): connects over TCP or TLS,
 * decodes what the server sends with the protocol package's TlvDecoder, and waits for frames or
 * for the close, never for a fixed time.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { encodeTlv, TlvDecoder, TlvFrame } from '../../src/shared/protocol';

export class TlvPeer {
  readonly frames: TlvFrame[] = [];
  closed = false;
  private waiters: (() => void)[] = [];
  private readonly closedPromise: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    const decoder = new TlvDecoder({ maxPayloadBytes: 64 * 1024 * 1024 });
    socket.on('data', (chunk: Buffer) =>
      decoder.push(chunk, (d) => {
        if (d.kind === 'frame') {
          const payload = Buffer.from(d.frame.payload);
          this.frames.push(new TlvFrame(d.frame.type, [payload], payload.length));
        }
        this.wake();
      }),
    );
    socket.on('error', () => undefined);
    this.closedPromise = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number, options: { tls?: tls.ConnectionOptions } = {}): Promise<TlvPeer> {
    return new Promise((resolve, reject) => {
      const socket = options.tls
        ? tls.connect({ port, host: '127.0.0.1', ...options.tls }, () => resolve(new TlvPeer(socket)))
        : net.connect({ port, host: '127.0.0.1' }, () => resolve(new TlvPeer(socket)));
      socket.once('error', reject);
    });
  }

  send(type: number, payload: Buffer | string | object): void {
    const body = Buffer.isBuffer(payload) || typeof payload === 'string' ? payload : JSON.stringify(payload);
    this.socket.write(encodeTlv(type, body));
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The first received frame (from index `from`) matching `match`; rejects if the socket closes first. */
  async next(match: (f: TlvFrame) => boolean = () => true, from = 0, timeoutMs = 10_000): Promise<TlvFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found) return found;
      if (this.closed) throw new Error(`socket closed without the frame; got types [${this.frames.map((f) => f.type).join(',')}]`);
      if (Date.now() > deadline) throw new Error('no matching TLV frame in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** A JSON frame payload of this type. */
  async nextJson<T = Record<string, any>>(type: number, from = 0): Promise<T> {
    const frame = await this.next((f) => f.type === type, from);
    return JSON.parse(frame.payload.toString('utf8')) as T;
  }

  whenClosed(): Promise<void> {
    return this.closedPromise;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

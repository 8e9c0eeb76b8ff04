/**
 * One connection of the TypeScript SDK: requests matched to responses by id, server events
 * delivered to listeners and waitable, optional signing/encryption. No reconnects or retries:
 * SwitchboardSession (session.ts) builds those on top. Used directly by the benchmarks and tests.
 */
import { EventEmitter } from 'node:events';
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { randomUUID } from 'node:crypto';
import {
  buildEnvelope,
  DecodedFrame,
  encodeFrame,
  Envelope,
  Headers,
} from '../shared/protocol';
import {
  checkSignature,
  decryptPayload,
  encryptPayload,
  isEncryptedPayload,
  LATEST_SIGNATURE_VERSION,
  parsePayloadKeys,
  PayloadKey,
  signatureVersionOf,
  signPayload,
  withSignatureVersion,
} from '../shared/protocol/crypto';
import { DirectReceiveOptions, DirectReceiveResult, DirectSendOptions, DirectSendResult, receiveDirect, sendDirect } from './direct-transfer';
import { downloadFile, FileTarget, FileTransferOptions, DownloadResult, UploadOptions, UploadResult, UploadSource, uploadFile } from './file-transfer';
import type { Writable } from 'node:stream';
import type { ClientTransport } from './transport/client-transport';
import { TcpTransport } from './transport/tcp-transport';
import { WebSocketConstructor, WebSocketTransport } from './transport/websocket-transport';

/** The server's default MAX_FRAME_BYTES: a conforming server never sends more. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

export interface ClientOptions {
  host?: string;
  /** TCP port; ignored with `url`. */
  port?: number;
  /**
   * `ws://host:port/` or `wss://…`: connect over WebSocket (the server's WS_PORT) instead of TCP.
   * `tls` then goes to the WebSocket as its TLS options (ca, servername, …).
   */
  url?: string;
  /** The WebSocket class for `url` (default: globalThis.WebSocket, else the `ws` package). */
  WebSocket?: WebSocketConstructor;
  /** Extra headers of the WebSocket upgrade request (Node only; e.g. Origin, X-Forwarded-For in tests). */
  headers?: Record<string, string>;
  /** Local address to connect from, plain TCP (multi-homed hosts; tests use 127.0.0.x as distinct clients). */
  localAddress?: string;
  /** TLS options; when set the client connects with TLS and verifies the server. */
  tls?: tls.ConnectionOptions;
  /** Default timeout for request() and waitFor(), in ms. */
  timeoutMs?: number;
  /** Largest frame accepted from the server; default 1 MiB, the server's own MAX_FRAME_BYTES default. */
  maxFrameBytes?: number;
  /**
   * How many received events `events` (and so `waitFor`'s look into the past) keeps; the oldest
   * are dropped beyond it, so a long-lived client does not grow without bound. Default 10,000.
   */
  eventHistory?: number;
  /** SIGNATURE_MODE=verify|require: sign every outgoing frame and verify every incoming one. */
  signingKey?: string;
  /** PAYLOAD_ENCRYPTION=aes-256-gcm: `kid:base64key,...` or parsed keys; the first encrypts, all decrypt. */
  payloadKeys?: string | PayloadKey[];
}

/**
 * On Node the `ws` package (a dependency): Node 20 has no global WebSocket, and Node 22's does not
 * take headers, TLS options or pause(). In a browser (no `process`) the page's WebSocket.
 */
function defaultWebSocket(): WebSocketConstructor | undefined {
  const onNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved only on Node; the browser bundle maps ws to a stub
  if (onNode) return require('ws').WebSocket as WebSocketConstructor;
  return (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
}

export type ResponsePayload = { status: number; error_code?: string; error_message?: string } & Record<string, any>;

interface Pending {
  resolve(frame: Envelope<ResponsePayload>): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

interface Waiter {
  match(frame: Envelope): boolean;
  resolve(frame: Envelope): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class SwitchboardClient extends EventEmitter {
  /** The connection underneath: TCP (TcpTransport) or WebSocket (WebSocketTransport). */
  readonly transport: ClientTransport;
  token?: string;
  /** Event frames received, in order, up to `eventHistory` of the newest (tests inspect it). */
  readonly events: Envelope[] = [];
  private readonly eventHistory: number;
  /** Frames the client could not decode (should stay empty against a correct server). */
  readonly garbage: DecodedFrame[] = [];
  readonly closed: Promise<void>;
  private readonly pending = new Map<string, Pending>();
  private waiters: Waiter[] = [];
  private readonly timeoutMs: number;
  private isClosed = false;
  private readonly signingKey?: string;
  private readonly payloadKeys: PayloadKey[];
  /** The TLS options this client connected with (the file data channel reuses them). */
  readonly tlsOptions?: tls.ConnectionOptions;

  constructor(transport: ClientTransport, options: Omit<ClientOptions, 'port'> = {}) {
    super();
    this.transport = transport;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.eventHistory = Math.max(0, options.eventHistory ?? 10_000);
    this.signingKey = options.signingKey;
    this.tlsOptions = options.tls;
    this.payloadKeys = typeof options.payloadKeys === 'string' ? parsePayloadKeys(options.payloadKeys) : options.payloadKeys ?? [];
    let closedNow!: () => void;
    this.closed = new Promise((resolve) => (closedNow = resolve));
    transport.start({
      frame: (f) => this.onFrame(f),
      error: (err) => this.emit('socket-error', err),
      close: () => {
        this.isClosed = true;
        const err = new Error('connection closed');
        for (const p of this.pending.values()) {
          clearTimeout(p.timer);
          p.reject(err);
        }
        this.pending.clear();
        for (const w of this.waiters) {
          clearTimeout(w.timer);
          w.reject(err);
        }
        this.waiters = [];
        closedNow();
      },
    });
  }

  /** Connects over TCP (`port`), or over WebSocket (`url`). */
  static async connect(options: ClientOptions): Promise<SwitchboardClient> {
    const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (options.url !== undefined) {
      const socketOptions = { ...options.tls, ...(options.headers ? { headers: options.headers } : {}), ...(options.localAddress ? { localAddress: options.localAddress } : {}) };
      const transport = await WebSocketTransport.connect({
        url: options.url,
        WebSocket: options.WebSocket ?? defaultWebSocket(),
        socketOptions: Object.keys(socketOptions).length > 0 ? socketOptions : undefined,
        maxFrameBytes,
        timeoutMs: options.timeoutMs,
      });
      return new SwitchboardClient(transport, options);
    }
    if (options.port === undefined) throw new Error('SwitchboardClient.connect needs port (TCP) or url (WebSocket)');
    return new SwitchboardClient(await TcpTransport.connect({ host: options.host, port: options.port, localAddress: options.localAddress, tls: options.tls, maxFrameBytes }), options);
  }

  /** The TCP socket (TCP connections only: tests pause it, direct transfers read its address). */
  get socket(): net.Socket {
    if (!(this.transport instanceof TcpTransport)) throw new Error('not a TCP connection');
    return this.transport.socket;
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** Builds a request envelope; the bearer token is added when the client has one. */
  envelope(command: string, payload: Record<string, unknown> = {}, headers: Headers = {}, id: string = randomUUID(), type: 'request' | 'event' = 'request'): Envelope {
    const h: Headers = { ...headers };
    if (this.token && h.Authorization === undefined) h.Authorization = `Bearer ${this.token}`;
    // The protocol package's one builder (shape, timestamp unit and version header as the server's).
    return buildEnvelope(type, command, payload, { id, headers: h });
  }

  /** Sends a request and resolves with the response frame (whatever its status). */
  request(command: string, payload: Record<string, unknown> = {}, options: { headers?: Headers; id?: string; timeoutMs?: number } = {}): Promise<Envelope<ResponsePayload>> {
    return this.sendEnvelope(this.envelope(command, payload, options.headers, options.id), options.timeoutMs);
  }

  /** Like request() but rejects unless `payload.status` is 2xx; resolves with the payload. */
  async call(command: string, payload: Record<string, unknown> = {}, options: { headers?: Headers; id?: string } = {}): Promise<ResponsePayload> {
    const response = await this.request(command, payload, options);
    if (response.payload.status >= 300) {
      const err = new Error(`${command} failed: ${response.payload.status} ${response.payload.error_code}: ${response.payload.error_message}`);
      Object.assign(err, { payload: response.payload });
      throw err;
    }
    return response.payload;
  }

  sendEnvelope(frame: Envelope, timeoutMs = this.timeoutMs): Promise<Envelope<ResponsePayload>> {
    return new Promise((resolve, reject) => {
      if (this.isClosed) return reject(new Error('connection closed'));
      const timer = setTimeout(() => {
        this.pending.delete(frame.id);
        reject(new Error(`no response to ${frame.command} (${frame.id}) within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(frame.id, { resolve, reject, timer });
      this.transport.send(encodeFrame(this.seal(frame)));
    });
  }

  /** Sends a `type: "event"` frame (no response expected). */
  sendEvent(command: string, payload: Record<string, unknown> = {}, headers: Headers = {}): void {
    const frame = this.envelope(command, payload, headers, `ev-${randomUUID()}`, 'event');
    this.transport.send(encodeFrame(this.seal(frame)));
  }

  /** Writes raw bytes (tests of hostile input). */
  writeRaw(data: string | Uint8Array): void {
    this.transport.writeRaw(data);
  }

  /**
   * Resolves with the first frame (already received or future) that matches. Already-received
   * events are searched first, so a push that beat the call is not missed.
   */
  waitFor(match: string | ((frame: Envelope) => boolean), options: { timeoutMs?: number; includePast?: boolean } = {}): Promise<Envelope<Record<string, any>>> {
    const predicate = typeof match === 'string' ? (f: Envelope) => f.command === match : match;
    if (options.includePast !== false) {
      const seen = this.events.find(predicate);
      if (seen) return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      if (this.isClosed) return reject(new Error('connection closed'));
      const timeoutMs = options.timeoutMs ?? this.timeoutMs;
      const waiter: Waiter = {
        match: predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`no matching frame within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Resolves once `count` events match (already received ones included). */
  async waitForCount(match: (frame: Envelope) => boolean, count: number, timeoutMs = this.timeoutMs): Promise<Envelope<Record<string, any>>[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.filter(match);
      if (found.length >= count) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`only ${found.length}/${count} matching events within ${timeoutMs} ms`);
      await this.waitFor(match, { includePast: false, timeoutMs: left }).catch((err: Error) => {
        if (!this.isClosed && !err.message.startsWith('no matching')) throw err;
      });
    }
  }

  /** The pre-shared keys given as payloadKeys (file-transfer encryption may use them too). */
  get payloadKeyring(): readonly PayloadKey[] {
    return this.payloadKeys;
  }

  /** Uploads a file (path, buffer or stream) to a user or group; resumes by itself (file-transfer.ts). */
  upload(source: UploadSource, target: FileTarget, options?: UploadOptions): Promise<UploadResult> {
    return uploadFile(this, source, target, options);
  }

  /** Downloads a file to a path (verified, then renamed into place) or a stream; resumes by itself. */
  download(fileId: string, dest: string | Writable, options?: FileTransferOptions): Promise<DownloadResult> {
    return downloadFile(this, fileId, dest, options);
  }

  /**
   * Sends a file directly to one user's client (mode "active"; direct-transfer.ts), falling back
   * to upload() when the direct connection cannot be made in time.
   */
  sendDirect(source: string | Buffer, recipientId: string, options?: DirectSendOptions): Promise<DirectSendResult> {
    return sendDirect(this, source, recipientId, options);
  }

  /** Receives a direct transfer from its file/accept event payload (mode "active"); falls back to download() of the file-ref that follows. */
  receiveDirect(offer: Record<string, unknown>, dest: string, options?: DirectReceiveOptions): Promise<DirectReceiveResult> {
    return receiveDirect(this, offer, dest, options);
  }

  /** Ends the connection and waits for the socket to close. */
  async close(): Promise<void> {
    if (!this.isClosed) this.transport.end();
    const timer = setTimeout(() => this.transport.destroy(), 2000);
    await this.closed;
    clearTimeout(timer);
  }

  destroy(): void {
    this.transport.destroy();
  }

  /**
   * Signs (canonical form v2, which covers headers.Authorization and the direction), then
   * encrypts, a copy of the frame when the client has keys (server order: decrypt, then verify).
   */
  private seal(frame: Envelope): Envelope {
    if (!this.signingKey && this.payloadKeys.length === 0) return frame;
    let payload = frame.payload ?? {};
    let headers = frame.headers;
    if (this.signingKey) {
      headers = withSignatureVersion(headers ?? {}, LATEST_SIGNATURE_VERSION);
      payload = signPayload({ ...frame, headers, payload }, this.signingKey, 'c2s');
    }
    if (this.payloadKeys.length > 0) payload = encryptPayload(frame, payload, this.payloadKeys[0]) as unknown as Record<string, unknown>;
    return { ...frame, headers, payload };
  }

  /**
   * Decrypts and verifies an incoming frame in place; returns why it is not trustworthy, if so.
   * With payload keys every server frame must be encrypted (the server seals all of them, the
   * connection-limit notice included: there is no plaintext exception); with a signing key every
   * frame must carry a v2 server-to-client signature (a v1 or client-direction one is refused).
   */
  private open(frame: Envelope): string | undefined {
    if (this.payloadKeys.length > 0) {
      if (!isEncryptedPayload(frame.payload)) return 'payload is not encrypted';
      try {
        frame.payload = decryptPayload(frame, frame.payload, this.payloadKeys);
      } catch (err) {
        return (err as Error).message;
      }
    }
    if (this.signingKey) {
      const check = checkSignature(frame, this.signingKey, 's2c');
      if (check === 'missing') return 'signature missing';
      if (signatureVersionOf(frame) !== LATEST_SIGNATURE_VERSION) return `signature form is not v${LATEST_SIGNATURE_VERSION}`;
      if (check !== 'valid') return `signature ${check}`;
    }
    return undefined;
  }

  private remember(frame: Envelope): void {
    this.events.push(frame);
    // Trim in batches so the array is not shifted on every frame.
    if (this.events.length > this.eventHistory * 1.25 + 16) this.events.splice(0, this.events.length - this.eventHistory);
  }

  private onFrame(decoded: DecodedFrame): void {
    if (decoded.kind !== 'frame') {
      this.garbage.push(decoded);
      return;
    }
    const frame = decoded.value as Envelope;
    // Listeners see the frame exactly as it came off the wire (tests inspect IVs, signatures).
    if (this.listenerCount('raw-frame') > 0) this.emit('raw-frame', { ...frame, payload: frame.payload });
    const problem = this.signingKey || this.payloadKeys.length > 0 ? this.open(frame) : undefined;
    if (problem) {
      const err = new Error(`untrusted ${frame.type} ${frame.command} (${frame.id}): ${problem}`);
      this.emit('security-error', err, frame);
      const pending = frame.type === 'response' ? this.pending.get(frame.id) : undefined;
      if (pending) {
        this.pending.delete(frame.id);
        clearTimeout(pending.timer);
        pending.reject(err);
      }
      return;
    }
    if (frame.type === 'response') {
      const pending = this.pending.get(frame.id);
      if (pending) {
        this.pending.delete(frame.id);
        clearTimeout(pending.timer);
        pending.resolve(frame as Envelope<ResponsePayload>);
        return;
      }
      this.emit('orphan-response', frame);
      this.remember(frame);
    } else {
      this.remember(frame);
      this.emit('event', frame);
    }
    if (this.waiters.length > 0) {
      const remaining: Waiter[] = [];
      for (const w of this.waiters) {
        if (w.match(frame)) {
          clearTimeout(w.timer);
          w.resolve(frame);
        } else remaining.push(w);
      }
      this.waiters = remaining;
    }
  }
}

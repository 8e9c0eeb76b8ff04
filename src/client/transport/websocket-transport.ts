/**
 * The WebSocket transport: one text message = one frame (docs/protocol.md "WebSocket"). Written
 * against the standard WebSocket API (browsers, Node 22's global, or the `ws` package passed in
 * as `WebSocket` on Node 20), with no Node import: it is part of the browser bundle.
 */
import type { DecodedFrame } from '../../shared/protocol/framing';
import type { ClientTransport, ClientTransportHandlers } from './client-transport';

/** The part of the standard WebSocket API used here (browsers' WebSocket and ws's both fit). */
export interface StandardWebSocket {
  readonly readyState: number;
  binaryType: string;
  send(data: string | ArrayBufferLike | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: any) => void): void;
  removeEventListener(type: string, listener: (event: any) => void): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[], options?: any) => StandardWebSocket;

export interface WebSocketTransportOptions {
  /** `ws://host:port/` or `wss://host:port/`. */
  url: string;
  /** The WebSocket class (default: globalThis.WebSocket). On Node 20 pass `require('ws').WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** Passed to the constructor as its third argument (ws: `{ headers, ca, localAddress, ... }`; browsers ignore it). */
  socketOptions?: Record<string, unknown>;
  maxFrameBytes: number;
  timeoutMs?: number;
}

const OPEN = 1;
const CLOSED = 3;
/** TextEncoder is in every browser and Node: the byte length of a frame, for maxFrameBytes. */
const encoder = new TextEncoder();

export class WebSocketTransport implements ClientTransport {
  readonly kind = 'websocket';
  readonly localAddress = undefined;
  /** Binary messages (the file channel over WebSocket); set by whoever uses them. */
  onBinary?: (data: ArrayBuffer) => void;

  /**
   * Messages that arrived before start(): the server's first frame (e.g. a refusal) can come in
   * the same read as the upgrade answer, before the caller had a chance to listen.
   */
  private early?: { data: unknown }[] = [];
  private readonly collect = (event: { data: unknown }) => this.early?.push(event);

  private constructor(
    readonly ws: StandardWebSocket,
    /** The URL connected to (the file channel is at the same origin, path `/file`). */
    readonly url: string,
    private readonly maxFrameBytes: number,
  ) {
    ws.addEventListener('message', this.collect);
  }

  static connect(options: WebSocketTransportOptions): Promise<WebSocketTransport> {
    const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) return Promise.reject(new Error('no WebSocket class: pass options.WebSocket (on Node 20: the WebSocket class of the ws package)'));
    return new Promise((resolve, reject) => {
      const ws = options.socketOptions ? new Ctor(options.url, undefined, options.socketOptions) : new Ctor(options.url);
      ws.binaryType = 'arraybuffer';
      const timer = options.timeoutMs ? setTimeout(() => fail(new Error(`could not connect to ${options.url} within ${options.timeoutMs} ms`)), options.timeoutMs) : undefined;
      const cleanup = () => {
        clearTimeout(timer);
        ws.removeEventListener('open', onOpen);
        ws.removeEventListener('error', onError);
        ws.removeEventListener('close', onError);
      };
      const fail = (err: Error) => {
        cleanup();
        ws.close();
        reject(err);
      };
      const onOpen = () => {
        cleanup();
        resolve(new WebSocketTransport(ws, options.url, options.maxFrameBytes));
      };
      const onError = (event: { message?: string; error?: Error; code?: number }) =>
        fail(event.error ?? new Error(`WebSocket to ${options.url} failed${event.message ? `: ${event.message}` : event.code ? ` (close ${event.code})` : ''}`));
      ws.addEventListener('open', onOpen);
      ws.addEventListener('error', onError);
      ws.addEventListener('close', onError);
    });
  }

  start(handlers: ClientTransportHandlers): void {
    let closed = false;
    const onMessage = (event: { data: unknown }) => {
      if (typeof event.data !== 'string') {
        this.onBinary?.(event.data as ArrayBuffer);
        return;
      }
      handlers.frame(this.decode(event.data));
    };
    this.ws.removeEventListener('message', this.collect);
    this.ws.addEventListener('message', onMessage);
    const early = this.early ?? [];
    this.early = undefined;
    for (const event of early) onMessage(event);
    this.ws.addEventListener('error', (event: { error?: Error; message?: string }) => handlers.error(event.error ?? new Error(event.message ?? 'WebSocket error')));
    this.ws.addEventListener('close', () => {
      if (closed) return;
      closed = true;
      handlers.close();
    });
    if (this.ws.readyState === CLOSED) {
      closed = true;
      handlers.close();
    }
  }

  send(frame: string): void {
    if (this.ws.readyState !== OPEN) return;
    this.ws.send(frame.endsWith('\n') ? frame.slice(0, -1) : frame);
  }

  /** Sends binary data (file channel). */
  sendBinary(data: Uint8Array): void {
    if (this.ws.readyState === OPEN) this.ws.send(data);
  }

  writeRaw(data: string | Uint8Array): void {
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.ws.send(text.slice(start, nl));
      start = nl + 1;
    }
    if (start < text.length) this.ws.send(text.slice(start));
  }

  end(): void {
    this.ws.close(1000);
  }

  destroy(): void {
    const ws = this.ws as StandardWebSocket & { terminate?: () => void };
    if (ws.terminate) ws.terminate();
    else ws.close();
  }

  pause(): void {
    (this.ws as StandardWebSocket & { pause?: () => void }).pause?.();
  }

  resume(): void {
    (this.ws as StandardWebSocket & { resume?: () => void }).resume?.();
  }

  private decode(text: string): DecodedFrame {
    const bytes = text.length * 3 > this.maxFrameBytes ? encoder.encode(text).length : text.length;
    if (bytes > this.maxFrameBytes) return { kind: 'oversize', bytes, limit: this.maxFrameBytes };
    try {
      return { kind: 'frame', value: JSON.parse(text), bytes };
    } catch (err) {
      return { kind: 'invalid', reason: (err as Error).message, text, bytes };
    }
  }
}

/**
 * A Nest `ClientProxy` for the Switchboard transport, so another Nest service can talk to a
 * Switchboard server the Nest way:
 *
 *   const client = new SwitchboardClientProxy({ port: 9400 });
 *   const pong = await lastValueFrom(client.send('control/ping', {}));   // → {status: 200, ...}
 *
 * or `ClientsModule.register([{ name: 'SWITCHBOARD', customClass: SwitchboardClientProxy,
 * options: { port: 9400 } }])`. Requests go out as newline-JSON request envelopes and responses
 * are matched by `id`; a response whose `payload.status` is not 2xx errors the observable with
 * that payload (`{status, error_code, error_message}`). `emit()` sends `type: "event"` frames.
 * Server-pushed events reach listeners registered with `on(command, fn)` (or `on('*', fn)`).
 */
import { Logger } from '@nestjs/common';
import { ClientProxy, ReadPacket, WritePacket } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import {
  buildEnvelope,
  DecodedFrame,
  encodeFrame,
  Envelope,
  Headers,
  LineFrameDecoder,
  normalizeCommand,
} from '../shared/protocol';

export interface SwitchboardClientProxyOptions {
  host?: string;
  port: number;
  /** Connect with TLS using these options. */
  tls?: tls.ConnectionOptions;
  /** Bearer token added as `headers.Authorization` to every frame. */
  token?: string;
  /** Extra headers on every frame (e.g. `client`). */
  headers?: Headers;
  maxFrameBytes?: number;
}

type EventListener = (payload: Record<string, unknown>, frame: Envelope) => void;

export class SwitchboardClientProxy extends ClientProxy {
  private readonly logger = new Logger('SwitchboardClientProxy');
  private socket: net.Socket | null = null;
  private connecting: Promise<void> | null = null;
  private readonly listeners = new Map<string, EventListener[]>();
  token?: string;

  constructor(private readonly options: SwitchboardClientProxyOptions) {
    super();
    this.token = options.token;
  }

  /** Opens the connection (once; concurrent callers share it). Called by send()/emit() too. */
  connect(): Promise<void> {
    if (this.connecting) return this.connecting;
    const host = this.options.host ?? '127.0.0.1';
    const socket = this.options.tls
      ? tls.connect({ host, port: this.options.port, ...this.options.tls })
      : net.connect({ host, port: this.options.port });
    this.socket = socket;
    const decoder = new LineFrameDecoder({ maxFrameBytes: this.options.maxFrameBytes ?? 64 * 1024 * 1024 });
    const onFrame = (decoded: DecodedFrame) => this.onFrame(decoded);
    socket.on('data', (chunk: Buffer) => decoder.push(chunk, onFrame));
    socket.on('close', () => this.onClose(socket));
    this.connecting = new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.once(this.options.tls ? 'secureConnect' : 'connect', () => {
        socket.off('error', reject);
        socket.on('error', (err) => this.logger.warn(`socket error: ${err.message}`));
        socket.setNoDelay(true);
        this._status$.next('connected');
        resolve();
      });
    });
    // A failed connect must not stick: the next send() tries again.
    this.connecting.catch(() => {
      if (this.socket === socket) this.connecting = null;
    });
    return this.connecting;
  }

  /** Ends the connection; requests still waiting error with "connection closed". */
  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      if (socket.destroyed) return resolve();
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 2000).unref();
    });
  }

  /** Listens for server-pushed events by command (`'*'` for all). */
  override on(command: string, callback: EventListener): void {
    const key = command === '*' ? '*' : normalizeCommand(command);
    const list = this.listeners.get(key) ?? [];
    list.push(callback);
    this.listeners.set(key, list);
  }

  unwrap<T>(): T {
    if (!this.socket) throw new Error('Not initialized. Please call the "connect" method first.');
    return this.socket as T;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const id = randomUUID();
    try {
      this.routingMap.set(id, callback);
      this.write(this.envelope(id, 'request', packet));
    } catch (err) {
      this.routingMap.delete(id);
      callback({ err, isDisposed: true });
    }
    return () => this.routingMap.delete(id);
  }

  protected dispatchEvent<T = void>(packet: ReadPacket): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      try {
        this.write(this.envelope(`ev-${randomUUID()}`, 'event', packet), (err) => (err ? reject(err) : resolve(undefined as T)));
      } catch (err) {
        reject(err as Error);
      }
    });
  }

  private envelope(id: string, type: 'request' | 'event', packet: ReadPacket): Envelope {
    const headers: Headers = { ...this.options.headers };
    // setOnDispatchHook() may attach metadata (e.g. a trace id): it travels as headers.
    const metadata = (packet as ReadPacket & { metadata?: unknown }).metadata;
    if (metadata && typeof metadata === 'object') Object.assign(headers, metadata);
    if (this.token && headers.Authorization === undefined) headers.Authorization = `Bearer ${this.token}`;
    const payload = packet.data === undefined || packet.data === null ? {} : (packet.data as Record<string, unknown>);
    return buildEnvelope(type, this.command(packet.pattern), payload, { id, headers });
  }

  private command(pattern: unknown): string {
    return normalizeCommand(typeof pattern === 'string' ? pattern : this.normalizePattern(pattern as string));
  }

  private write(frame: Envelope, cb?: (err?: Error | null) => void): void {
    const socket = this.socket;
    if (!socket || socket.destroyed || !socket.writable) throw new Error('connection closed');
    socket.write(encodeFrame(frame), cb);
  }

  private onFrame(decoded: DecodedFrame): void {
    if (decoded.kind !== 'frame') {
      this.logger.warn(`undecodable frame from server (${decoded.kind})`);
      return;
    }
    const frame = decoded.value as Envelope;
    if (frame.type === 'response') {
      const callback = this.routingMap.get(frame.id);
      if (!callback) return;
      this.routingMap.delete(frame.id);
      const payload = frame.payload as { status?: unknown };
      const ok = typeof payload.status === 'number' && payload.status >= 200 && payload.status < 300;
      callback(ok ? { response: frame.payload, isDisposed: true } : { err: frame.payload, isDisposed: true });
      return;
    }
    const command = normalizeCommand(frame.command);
    for (const key of [command, '*']) {
      for (const listener of this.listeners.get(key) ?? []) listener(frame.payload, frame);
    }
  }

  private onClose(socket: net.Socket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.connecting = null;
    this._status$.next('disconnected');
    const callbacks = [...this.routingMap.values()];
    this.routingMap.clear();
    for (const callback of callbacks) callback({ err: new Error('connection closed'), isDisposed: true });
  }
}

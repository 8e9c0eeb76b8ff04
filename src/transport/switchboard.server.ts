/**
 * The Switchboard transport strategy: newline-JSON frames over TCP (or TLS), dispatched by
 * `command` to `@MessagePattern` / `@EventPattern` handlers through Nest's full pipeline.
 *
 * Modelled on Nest's own server-tcp/json-socket, with what they lack for a public-facing server:
 * bounded frame buffers, a stalled-frame timeout, an idle timeout, backpressure on slow readers,
 * and every socket destroyed on close(). The per-frame path does one JSON.parse and one
 * JSON.stringify, and looks handlers up by normalized command (not Nest's JSON-parsing
 * getHandlerByPattern).
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { isObservable, Observable } from 'rxjs';
import {
  buildEnvelope,
  checkVersion,
  ControlCommands,
  DecodedFrame,
  Envelope,
  normalizeCommand,
  PROTOCOL_VERSION,
  ProtocolError,
  readableId,
  SUPPORTED_VERSIONS,
  validateEnvelope,
} from '../shared/protocol';
import { Connection, type FrameSocket } from './connection';
import { ConnectionRegistry } from './connection-registry';
import { createListeners, type ListenerSpec } from './listeners';
import { createWebSocketListener } from './websocket-listener';
import { WebSocketFrameSocket } from './websocket-socket';
import { ChannelHost, ChannelOptions, ServedChannel } from './tlv-channel';
import { verifyClientCertificate } from './tls-options';
import { toProtocolError } from './protocol-error.mapper';
import { SwitchboardContext } from './switchboard.context';
import { SWITCHBOARD_SERVER_OPTIONS, type SwitchboardServerOptions } from './transport-options';
import { DEFAULT_UNAUTHENTICATED_BYTES_PER_IP, UnauthenticatedBytes } from './unauthenticated-bytes';
import type { TransportPlugin } from './transport-plugin';

export const SWITCHBOARD_TRANSPORT = Symbol('switchboard');
const ID_IN_TEXT = /"id"\s*:\s*"([^"\\]{1,128})"/;
/** Connection attribute: the AUTH_TIMEOUT_MS timer of a connection not (or no longer) logged in. */
const AUTH_TIMER = 'transport.authTimer';

/** Handler options read from `@MessagePattern(cmd, { ordered: true })`. */
export interface HandlerExtras {
  /** Frames of this command on one connection are handled one at a time, in arrival order. */
  ordered?: boolean;
  /**
   * The handler deduplicates by envelope id durably (message/send: a retry answers the original
   * with duplicate: true), so the signature guard does not keep its id in the replay cache.
   */
  idempotent?: boolean;
  /**
   * A request command that may also be sent fire-and-forget as `type: "event"` (no response),
   * e.g. message/ack receipts. Other request commands sent as events are refused.
   */
  acceptsEvents?: boolean;
}

@Injectable()
export class SwitchboardServer extends Server implements CustomTransportStrategy {
  override transportId = SWITCHBOARD_TRANSPORT;
  protected override readonly logger = new Logger('SwitchboardTransport');
  private readonly listeners: net.Server[] = [];
  private wsListener?: net.Server;
  private readonly plugins: TransportPlugin[] = [];
  private readonly outbound: ((conn: Connection, frame: Envelope) => void)[] = [];
  private readonly backpressureListeners: ((conn: Connection, paused: boolean) => void)[] = [];
  private readonly onBackpressure = (conn: Connection, paused: boolean): void => {
    for (const listener of this.backpressureListeners) listener(conn, paused);
  };
  private draining = false;
  private drainRetryAfterMs = 1000;
  private closing = false;
  private readonly rawSockets = new Set<net.Socket>();
  private inFlightTotal = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly channels: ChannelHost;
  /** Open connections per remote address (MAX_CONNECTIONS_PER_IP). */
  private readonly perAddress = new Map<string, number>();
  /** Partial-frame bytes of not yet authenticated connections per address, on every port. */
  readonly unauthenticatedBytes: UnauthenticatedBytes;

  constructor(
    @Inject(SWITCHBOARD_SERVER_OPTIONS) private readonly config: SwitchboardServerOptions,
    readonly registry: ConnectionRegistry,
  ) {
    super();
    this.unauthenticatedBytes = new UnauthenticatedBytes(config.maxUnauthenticatedBytesPerIp ?? DEFAULT_UNAUTHENTICATED_BYTES_PER_IP);
    this.channels = new ChannelHost(config, this.plugins, this.logger, this.unauthenticatedBytes);
    // A logout leaves the socket open and anonymous: the auth timeout starts again.
    registry.on('unbound', (conn) => this.armAuthTimeout(conn));
  }

  /** At MAX_CONNECTIONS: new connections are refused, so load balancers should send them elsewhere. */
  get isFull(): boolean {
    return this.registry.size >= this.config.maxConnections;
  }

  get maxConnections(): number {
    return this.config.maxConnections;
  }

  /**
   * Registers a cross-cutting plugin (see TransportPlugin). Call before listen(). Plugins run in
   * ascending `order` (ties keep registration order), so which lifecycle hook a module registers
   * from does not matter.
   */
  use(plugin: TransportPlugin): void {
    this.plugins.push(plugin);
    // Stable sort; the hook arrays are rebuilt in place because connections hold them.
    this.plugins.sort((a, b) => a.order - b.order);
    this.outbound.length = 0;
    this.backpressureListeners.length = 0;
    for (const p of this.plugins) {
      if (p.onOutbound) this.outbound.push(p.onOutbound.bind(p));
      if (p.onBackpressure) this.backpressureListeners.push(p.onBackpressure.bind(p));
    }
  }

  /** Registered plugin names in the order they run (ops, tests). */
  get pluginNames(): string[] {
    return this.plugins.map((p) => p.name);
  }

  /**
   * Serves a module's second port (TLV frames) with the control port's host, TLS, limits, drain,
   * close and metrics plugins; see tlv-channel.ts. Call from onModuleInit; a channel added after
   * listen() starts listening at once.
   */
  serveChannel(options: ChannelOptions): ServedChannel {
    const started = this.listeners.length > 0;
    return this.channels.add(options, started, (err) => this.logger.error(`${options.name} channel: ${err.message}`));
  }

  get isDraining(): boolean {
    return this.draining;
  }

  get isListening(): boolean {
    return this.listeners.length > 0 && this.listeners.every((l) => l.listening) && this.channels.allListening;
  }

  get inFlight(): number {
    return this.inFlightTotal;
  }

  /** Port of the first listener (the plaintext one when both run). Useful with TCP_PORT=0. */
  get port(): number {
    return (this.listeners[0]?.address() as net.AddressInfo | null)?.port ?? 0;
  }

  /** Port of the TLS listener when TLS runs on its own port (or is the only listener). */
  /** The side channels (e.g. the file data port) with their bound ports, for the ready line. */
  get sideChannels(): readonly ServedChannel[] {
    return this.channels.served;
  }

  /** Port of the WebSocket listener (WS_PORT), when it runs. */
  get wsPort(): number | undefined {
    return (this.wsListener?.address() as net.AddressInfo | null)?.port;
  }

  get tlsPort(): number | undefined {
    const tlsListener = this.listeners.find((l) => l instanceof tls.Server);
    return (tlsListener?.address() as net.AddressInfo | null)?.port;
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    const specs: ListenerSpec[] = createListeners(this.config, (socket) => this.accept(socket, socket), this.logger);
    if (this.config.websocket) {
      // The second listener: WebSocket connections join the same accept() path.
      const control = { binary: false, maxPayload: this.config.maxFrameBytes * 2, accept: (socket: WebSocketFrameSocket) => this.accept(socket, socket.raw) };
      const ws = createWebSocketListener(this.config, this.config.websocket, (path) => (path === '/' ? control : this.channels.webSocketRoute(path)), this.logger);
      this.wsListener = ws.server;
      specs.push(ws);
    }
    // The control listeners plus the side channels (one count for all of them).
    let pending = specs.length + 1;
    const listened = () => {
      if (--pending === 0) {
        this._status$.next('connected');
        callback();
      }
    };
    for (const { server, port } of specs) {
      // Every accepted TCP socket, including TLS ones still in their handshake (not yet
      // Connections in the registry), so close() can destroy them all.
      server.on('connection', (raw: net.Socket) => {
        this.rawSockets.add(raw);
        raw.once('close', () => this.rawSockets.delete(raw));
      });
      server.on('error', (err) => {
        this.logger.error(`listener error: ${err.message}`);
        callback(err);
      });
      this.listeners.push(server);
      server.listen(port, this.config.host, listened);
    }
    this.channels.listenAll((err) => callback(err), listened);
  }

  /**
   * Stops accepting new connections (drain); existing ones stay open, and new requests on them
   * are refused with SERVER_DRAINING carrying `retryAfterMs` as the reconnect hint.
   */
  stopAccepting(retryAfterMs = this.drainRetryAfterMs): Promise<void> {
    this.draining = true;
    this.drainRetryAfterMs = retryAfterMs;
    return Promise.all([
      ...this.listeners.map((l) => new Promise<void>((resolve) => (l.listening ? l.close(() => resolve()) : resolve()))),
      this.channels.stopAccepting(retryAfterMs),
    ]).then(() => undefined);
  }

  /** Resolves when no request is in flight, or after `timeoutMs`. Returns true if idle. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.inFlightTotal === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async close(): Promise<void> {
    this.draining = true;
    this.closing = true;
    for (const conn of [...this.registry.all()]) conn.destroy();
    for (const raw of this.rawSockets) raw.destroy();
    await this.channels.close();
    await this.stopAccepting();
    this.listeners.length = 0;
    this.wsListener = undefined;
    this._status$.next('disconnected');
  }

  on<EventKey extends string = string, EventCallback extends Function = Function>(event: EventKey, callback: EventCallback): void {
    for (const listener of this.listeners) listener.on(event, callback as unknown as (...args: unknown[]) => void);
  }

  unwrap<T>(): T {
    return this.listeners as unknown as T;
  }

  // ----------------------------------------------------------------------------------------------

  /** `raw`: the TCP/TLS socket (for a WebSocket connection, the one under it). */
  private accept(socket: FrameSocket, raw: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    // createTlsServer() already refused untrusted certificates; this reads the identity.
    const certificate = verifyClientCertificate(raw, this.config.tls.clientAuth);
    if (!certificate.ok) return void socket.destroy();
    if (this.isFull) return this.refuse(socket, `server is at its limit of ${this.config.maxConnections} connections; retry later or on another node`);
    const address = socket.remoteAddress ?? 'unknown';
    const fromAddress = this.perAddress.get(address) ?? 0;
    if (this.config.maxConnectionsPerIp > 0 && fromAddress >= this.config.maxConnectionsPerIp) {
      return this.refuse(socket, `too many connections from your address (limit ${this.config.maxConnectionsPerIp}); close unused ones or retry later`);
    }
    this.perAddress.set(address, fromAddress + 1);
    raw.setNoDelay(true);
    raw.setKeepAlive(true, 30_000);
    // A WebSocket holds an unfinished message inside ws, not in the decoder (websocket-socket.ts).
    const ws = socket instanceof WebSocketFrameSocket ? socket : undefined;
    const pendingBytes = () => conn.decoder.pendingBytes + (ws?.partialBytes ?? 0);
    const conn = new Connection(socket, this.config, this.config.maxFrameBytes, this.outbound, this.onBackpressure);
    conn.clientCertificate = certificate.identity;
    this.registry.add(conn);
    this.armAuthTimeout(conn);
    for (const p of this.plugins) p.onConnect?.(conn);

    let stallTimer: NodeJS.Timeout | undefined;
    const idleTimer = setTimeout(() => {
      if (conn.lastFrameAt === 0) conn.closeWithError('IDLE_TIMEOUT', `no valid frame within ${this.config.idleTimeoutMs} ms of connecting`);
    }, this.config.idleTimeoutMs);
    idleTimer.unref();

    // Counts complete lines, so the stall timer can tell a new partial frame from an old one.
    let lines = 0;
    const onFrame = (decoded: DecodedFrame) => {
      lines++;
      this.onDecoded(conn, decoded);
    };
    const onStalled = () => {
      stallTimer = undefined;
      // While we are not reading (backpressure) the client cannot finish its frame: wait.
      if (conn.isReadingPaused) {
        stallTimer = setTimeout(onStalled, this.config.frameTimeoutMs).unref();
        return;
      }
      if (ws && ws.partialBytes > 0) {
        // A WebSocket message cannot be dropped in part and resumed at the next one: close.
        this.reject(conn, 'FRAME_TIMEOUT');
        return conn.closeWithError('FRAME_TIMEOUT', `partial message of ${ws.partialBytes} bytes not completed within ${this.config.frameTimeoutMs} ms`);
      }
      const dropped = conn.decoder.discardPartial();
      this.unauthenticatedBytes.release(conn);
      if (dropped > 0) {
        this.reject(conn, 'FRAME_TIMEOUT');
        conn.sendEvent(ControlCommands.ERROR.name, {
          status: 400,
          error_code: 'FRAME_TIMEOUT',
          error_message: `partial frame of ${dropped} bytes not completed within ${this.config.frameTimeoutMs} ms; it was dropped (end every frame with \\n)`,
        });
      }
    };
    const onData = (chunk?: Buffer) => {
      // After end() (protocol violation, kick, drain) nothing more is dispatched.
      if (conn.ending) return;
      const linesBefore = lines;
      if (chunk) {
        for (const p of this.plugins) p.onBytesIn?.(conn, chunk.length);
        conn.decoder.push(chunk, onFrame);
      }
      const pending = pendingBytes();
      if (!this.unauthenticatedBytes.set(conn, address, conn.isAuthenticated ? 0 : pending)) {
        this.unauthenticatedBytes.release(conn);
        conn.decoder.discardPartial();
        const limit = this.unauthenticatedBytes.limit;
        return conn.closeWithError('RATE_LIMITED', `your address holds more than ${limit} bytes of unfinished frames on connections not logged in (MAX_UNAUTHENTICATED_BYTES_PER_IP); log in first and send whole frames`, {
          status: 429,
          retry_after_ms: this.config.frameTimeoutMs,
        });
      }
      if (pending === 0) {
        if (stallTimer) clearTimeout(stallTimer);
        stallTimer = undefined;
      } else if (!stallTimer || lines !== linesBefore) {
        // The timer starts with a frame's first byte and is not refreshed by later chunks of the
        // same frame, so dribbling a frame byte by byte (slowloris) cannot hold the buffer
        // forever. A chunk that completed frames and started a new one restarts it: under
        // pipelining, chunk boundaries rarely fall between frames.
        if (stallTimer) clearTimeout(stallTimer);
        stallTimer = setTimeout(onStalled, this.config.frameTimeoutMs).unref();
      }
    };
    socket.on('data', onData);
    // WebSocket bytes of a message not complete yet (no 'data' until it is).
    socket.on('partial', () => onData());
    socket.on('error', (err) => this.logger.debug?.(`socket ${conn.id} error: ${err.message}`));
    socket.on('close', () => {
      clearTimeout(idleTimer);
      clearTimeout(conn.attributes.get(AUTH_TIMER) as NodeJS.Timeout | undefined);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
      if (stallTimer) clearTimeout(stallTimer);
      this.unauthenticatedBytes.release(conn);
      conn.markClosed();
      this.registry.remove(conn);
      for (const p of this.plugins) p.onClose?.(conn);
    });
  }

  /**
   * Closes the connection unless it is logged in AUTH_TIMEOUT_MS from now. Unlike the idle and
   * heartbeat timeouts, frames do not extend it: pinging forever must not hold a slot.
   */
  private armAuthTimeout(conn: Connection): void {
    clearTimeout(conn.attributes.get(AUTH_TIMER) as NodeJS.Timeout | undefined);
    const ms = this.config.authTimeoutMs;
    if (ms <= 0 || conn.closed) return;
    const timer = setTimeout(() => {
      conn.attributes.delete(AUTH_TIMER);
      if (conn.closed || conn.isAuthenticated) return;
      conn.closeWithError('AUTH_TIMEOUT', `not logged in within ${ms} ms; send auth/login (or a request with headers.Authorization) right after connecting`, { status: 401 });
    }, ms);
    timer.unref();
    conn.attributes.set(AUTH_TIMER, timer);
  }

  /**
   * Over MAX_CONNECTIONS (or MAX_CONNECTIONS_PER_IP): say why (retryable 503), then close. The
   * socket is never registered, but the notice is sent through a Connection like every other
   * frame, i.e. through the same outbound transforms (signing, encryption): a client that only
   * trusts signed/encrypted frames still learns retry_after_ms.
   */
  private refuse(socket: FrameSocket, reason: string): void {
    socket.on('error', () => undefined);
    const conn = new Connection(socket, this.config, this.config.maxFrameBytes, this.outbound);
    conn.closeWithError('TOO_MANY_CONNECTIONS', reason, { status: 503, retry_after_ms: 1000 });
  }

  private onDecoded(conn: Connection, decoded: DecodedFrame): void {
    if (decoded.kind === 'oversize') {
      this.reject(conn, 'FRAME_TOO_LARGE');
      const message = `frame exceeds ${decoded.limit} bytes; split the data or use the file channel`;
      // High priority like the control/error that follows, so the two cannot swap in the queue.
      conn.send(this.frame(undefined, '', new ProtocolError('FRAME_TOO_LARGE', message).toPayload()), { priority: 'high' });
      conn.closeWithError('FRAME_TOO_LARGE', message);
      return;
    }
    if (decoded.kind === 'invalid') {
      this.reject(conn, 'INVALID_JSON');
      const id = ID_IN_TEXT.exec(decoded.text)?.[1];
      const error = new ProtocolError('INVALID_JSON', `frame is not valid JSON (${decoded.reason}); send one JSON object per line`);
      conn.send(this.frame(id, '', error.toPayload()));
      return;
    }
    let envelope: Envelope;
    try {
      envelope = validateEnvelope(decoded.value);
    } catch (err) {
      this.reject(conn, 'INVALID_ENVELOPE');
      const value = decoded.value as { command?: unknown } | null;
      const command = typeof value?.command === 'string' ? value.command : '';
      conn.send(this.frame(readableId(decoded.value), command, toProtocolError(err).toPayload()));
      return;
    }
    conn.lastFrameAt = Date.now();
    this.dispatch(conn, envelope);
  }

  private dispatch(conn: Connection, envelope: Envelope): void {
    const isRequest = envelope.type === 'request';
    const command = normalizeCommand(envelope.command);
    try {
      conn.version = checkVersion(envelope.headers);
      // Plugins (rate limits first) see every valid frame, client `response` frames included,
      // so no frame type floods for free.
      for (const p of this.plugins) p.onInbound?.(conn, envelope, command);
      // Responses from the client answer server-initiated requests; none are pending today.
      if (envelope.type === 'response') return;
      if (this.draining && isRequest) {
        throw new ProtocolError('SERVER_DRAINING', 'server is shutting down; reconnect and retry', 503, { retry_after_ms: this.drainRetryAfterMs });
      }
    } catch (err) {
      return this.fail(conn, envelope, command, err, isRequest);
    }
    const handler = this.messageHandlers.get(command);
    if (!handler) {
      const error = new ProtocolError('UNKNOWN_COMMAND', `unknown command "${envelope.command}"; see docs/protocol.md for the command list`);
      return this.fail(conn, envelope, command, error, isRequest);
    }
    const extras = handler.extras as HandlerExtras | undefined;
    if (!isRequest && !handler.isEventHandler && !extras?.acceptsEvents) {
      // A request command sent as an event would run with nobody told the outcome (a message
      // stored silently, a failure unseen): refuse it and say how to send it.
      const error = new ProtocolError('INVALID_ENVELOPE', `"${envelope.command}" is a request command: send it with "type": "request" to get its response`);
      return this.fail(conn, envelope, command, error, true);
    }
    const ctx = new SwitchboardContext(conn, envelope, command);
    // Counted from dispatch (not from when an ordered handler gets its turn), so whenIdle() and
    // the drain also wait for requests queued in an ordered lane.
    conn.inFlight++;
    this.inFlightTotal++;
    if (extras?.ordered) {
      // The next ordered frame waits until this handler finishes or releases the lane itself
      // (ctx.releaseOrder(): e.g. message/send once its write is queued, in order).
      conn.orderedTail = conn.orderedTail.then(
        () =>
          new Promise<void>((release) => {
            ctx.releaseOrder = release;
            void this.invoke(handler, ctx, isRequest).then(release);
          }),
      );
    } else {
      void this.invoke(handler, ctx, isRequest);
    }
  }

  /** Runs one handler through Nest's pipeline and answers the request. Never rejects. */
  private invoke(handler: MessageHandler, ctx: SwitchboardContext, isRequest: boolean): Promise<void> {
    const { connection: conn, envelope } = ctx;
    return new Promise<void>((resolve) => {
      let answered = false;
      const done = () => {
        conn.inFlight--;
        if (--this.inFlightTotal === 0) this.notifyIdle();
        resolve();
      };
      const answer = (payload: Record<string, unknown>) => {
        if (answered) return;
        answered = true;
        if (isRequest) this.respond(ctx, payload);
      };
      const onError = (err: unknown) => {
        if (!answered) {
          const error = toProtocolError(err);
          // An outage is logged once per request as a warning: the stack says nothing new.
          if (error.code === 'UNAVAILABLE') this.logger.warn(`${ctx.command}: ${err instanceof Error ? err.message : String(err)} (answered 503)`);
          else if (error.status >= 500 && error.code !== 'STORAGE_FULL') this.logger.error(err instanceof Error ? err.stack ?? err.message : String(err));
          answered = true;
          if (isRequest) this.respond(ctx, error.toPayload());
        }
        done();
      };
      let result: Promise<unknown>;
      try {
        result = Promise.resolve(handler(envelope.payload, ctx));
      } catch (err) {
        return onError(err);
      }
      result.then((value) => {
        if (!isObservable(value)) {
          answer(toResponsePayload(value, handler));
          return done();
        }
        (value as Observable<unknown>).subscribe({
          next: (v) => answer(toResponsePayload(v, handler)),
          error: onError,
          complete: () => {
            answer(toResponsePayload(undefined, handler));
            done();
          },
        });
      }, onError);
    });
  }

  private respond(ctx: SwitchboardContext, payload: Record<string, unknown>): void {
    const { connection: conn, envelope } = ctx;
    const status = typeof payload.status === 'number' ? payload.status : 200;
    const frame = this.frame(envelope.id, envelope.command, payload, conn.version);
    if (status === 426) frame.headers!.supported_versions = [...SUPPORTED_VERSIONS];
    conn.send(frame);
    ctx.responseStatus = status;
    for (const fn of ctx.answeredCallbacks) {
      try {
        fn();
      } catch (err) {
        this.logger.error(`afterResponse callback failed: ${(err as Error).message}`);
      }
    }
    if (this.plugins.length > 0) {
      const outcome = {
        command: ctx.command,
        id: envelope.id,
        status,
        errorCode: payload.error_code as string | undefined,
        durationMs: Date.now() - ctx.receivedAt,
      };
      for (const p of this.plugins) p.onRequestDone?.(conn, outcome);
    }
  }

  private fail(conn: Connection, envelope: Envelope, command: string, err: unknown, isRequest: boolean): void {
    const error = toProtocolError(err);
    this.reject(conn, error.code);
    if (!isRequest) return;
    const ctx = new SwitchboardContext(conn, envelope, command);
    this.respond(ctx, error.toPayload());
  }

  private reject(conn: Connection, code: string): void {
    for (const p of this.plugins) p.onFrameRejected?.(conn, code);
  }

  private frame(id: string | undefined, command: string, payload: Record<string, unknown>, version = PROTOCOL_VERSION): Envelope {
    return buildEnvelope('response', command, payload, { id: id ?? '', version });
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

/** Handler results become `{status: 200, ...result}`; a result may set its own status (202). */
function toResponsePayload(value: unknown, handler: MessageHandler): Record<string, unknown> {
  if (value === undefined || value === null) return { status: handler.isEventHandler ? 202 : 200 };
  if (typeof value === 'object' && !Array.isArray(value)) return { status: 200, ...(value as Record<string, unknown>) };
  return { status: 200, result: value };
}

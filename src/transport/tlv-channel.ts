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
 *
 * Files: this one (listeners, limits, drain, close), tlv-channel-connection.ts (what a module
 * sees of one connection), tlv-frame-reader.ts (decoding, read-ahead, idle and frame timeouts).
 */
import type { Logger } from '@nestjs/common';
import * as net from 'node:net';
import type { SwitchboardServerOptions } from './transport-options';
import { TLV_HEADER_BYTES, type TlvFrame } from '../shared/protocol';
import type { FrameSocket } from './connection';
import type { WebSocketRoute } from './websocket-listener';
import { createPortServer } from './listeners';
import { ChannelConnection, ChannelRefusal } from './tlv-channel-connection';
import { readFrames } from './tlv-frame-reader';
import { tlsEnabled } from './tls-options';
import type { TransportPlugin } from './transport-plugin';
import type { UnauthenticatedBytes } from './unauthenticated-bytes';

// The connection and refusal types are part of this module's API (modules import them from here).
export { ChannelConnection };
export type { ChannelRefusal };

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

/** Owns the side channels of one SwitchboardServer (listeners, sockets, per-connection reading). */
export class ChannelHost {
  private readonly channels: Channel[] = [];
  private draining = false;
  private closing = false;

  constructor(
    private readonly config: SwitchboardServerOptions,
    private readonly plugins: readonly TransportPlugin[],
    private readonly logger: Logger,
    private readonly unauthenticated: UnauthenticatedBytes,
  ) {}

  add(options: ChannelOptions, listenNow: boolean, onError: (err: Error) => void): ServedChannel {
    const channel = new Channel(options, this.config, this.plugins, this.logger, () => this.closing, this.unauthenticated);
    this.channels.push(channel);
    if (listenNow) channel.listen(this.config.host, onError, () => undefined);
    return channel;
  }

  /** Every side channel served, in the order they were added. */
  get served(): readonly ServedChannel[] {
    return this.channels;
  }

  /** Starts every channel not listening yet; calls done once all are. */
  listenAll(onError: (err: Error) => void, done: () => void): void {
    const pending = this.channels.filter((c) => !c.started);
    let left = pending.length;
    if (left === 0) return done();
    for (const c of pending) c.listen(this.config.host, onError, () => --left === 0 && done());
  }

  /**
   * The WebSocket path of a channel (`/file` for the channel named file): binary messages carrying
   * the same TLV frames, one per message, for clients that cannot reach the channel's own port.
   */
  webSocketRoute(path: string): WebSocketRoute | undefined {
    const channel = this.channels.find((c) => `/${c.name}` === path);
    if (!channel) return undefined;
    return { binary: true, maxPayload: channel.maxPayloadBytes + TLV_HEADER_BYTES, accept: (socket) => channel.accept(socket) };
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
    private readonly unauthenticated: UnauthenticatedBytes,
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

  get maxPayloadBytes(): number {
    return this.options.maxPayloadBytes;
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

  /** A TCP/TLS socket of the channel's port, or a WebSocket on WS_PORT/<name> (binary messages). */
  accept(socket: FrameSocket): void {
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

    const reader = readFrames(conn, socket, {
      name: this.name,
      options: this.options,
      config: this.config,
      logger: this.logger,
      refuse: (refusal) => this.refuse(conn, refusal),
      unauthenticated: this.unauthenticated,
    });
    socket.on('close', () => {
      reader.stop();
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

/**
 * The transport's whole configuration as plain data, in the style of Nest's own `ServerTCP`
 * options. The transport never reads environment variables or the app's configuration
 * namespaces: the app builds these options (AppModule, from TCP_*, TLS_*, REDIS_URL...) and hands
 * them to `TransportModule.forRootAsync({ inject, useFactory })`, so the transport can be reused,
 * or tested, with options built any other way.
 */
import type { ConnectionLimits } from './connection';
import type { ProxyProtocolOptions } from './proxy-protocol';
import type { RedisEventBusOptions } from './redis-event-bus';
import type { TlsSettings } from './tls-options';
import type { WebSocketListenerOptions } from './websocket-listener';

export interface TransportTlsOptions extends TlsSettings {
  /** Second (TLS) port while plaintext stays on `port`; only with allowPlaintext. */
  port?: number;
  /** Keep the plaintext `port` open next to TLS on `tls.port`. */
  allowPlaintext: boolean;
}

export interface SwitchboardServerOptions extends ConnectionLimits {
  /** Interface and port of the client listener (0 picks a free port). */
  host: string;
  port: number;
  /** TLS when `cert` and `key` are set (see createListeners). */
  tls: TransportTlsOptions;
  /** Largest inbound frame (bytes). */
  maxFrameBytes: number;
  /** A partial frame not completed within this time is dropped. */
  frameTimeoutMs: number;
  /** A connection with no valid frame this long after connecting is closed. */
  idleTimeoutMs: number;
  /** Most concurrent connections (per process) and per remote address (0 = no per-address limit). */
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** A connection not logged in within this time is closed (0 = never). */
  authTimeoutMs: number;
  /**
   * Bytes of unfinished frames that the connections of one remote address may hold before they
   * authenticate, on all ports together (0 = no bound; default 4 MiB; unauthenticated-bytes.ts).
   */
  maxUnauthenticatedBytesPerIp?: number;
  /** PROXY protocol header expected first on every port (behind a load balancer); absent = off. */
  proxyProtocol?: ProxyProtocolOptions;
  /** A WebSocket port next to the TCP one (same pipeline; websocket-listener.ts); absent = off. */
  websocket?: WebSocketListenerOptions;
}

export interface TransportOptions {
  server: SwitchboardServerOptions;
  /** Set: events cross nodes over a Redis Stream; unset: the in-process bus (single node). */
  redisBus?: RedisEventBusOptions;
}

/** DI token of the SwitchboardServerOptions (provided by TransportModule.forRootAsync). */
export const SWITCHBOARD_SERVER_OPTIONS = Symbol('SWITCHBOARD_SERVER_OPTIONS');
/** DI token of the whole TransportOptions. */
export const TRANSPORT_OPTIONS = Symbol('TRANSPORT_OPTIONS');

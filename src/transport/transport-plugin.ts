/**
 * Extension points of the transport, for cross-cutting concerns that must run on every frame
 * before Nest's pipeline (rate limits, payload decryption) or after it (signing, encryption,
 * metrics, request logs). A module registers its plugins itself with `SwitchboardServer.use()`
 * (from any lifecycle hook before the app listens); every hook then runs in ascending `order`,
 * whatever the registration order. Pick a value from PluginOrder's bands.
 */
import type { Envelope } from '../shared/protocol';
import type { Connection } from './connection';
import type { ChannelConnection } from './tlv-channel';

export interface RequestOutcome {
  command: string;
  id: string;
  status: number;
  errorCode?: string;
  durationMs: number;
}

/**
 * Bands for `TransportPlugin.order` (lower runs first on every hook, inbound and outbound).
 * Observers see frames as handlers produce them; limits refuse a frame before any work is spent
 * on it; feature plugins run between; the payload seal runs last, so what it outputs is what
 * leaves the socket and what it inputs is what the other plugins saw.
 */
export const PluginOrder = {
  /** Metrics, request logs: read-only observers. */
  OBSERVE: 100,
  /** Rate limits and other cheap refusals. */
  LIMIT: 200,
  /** Feature modules' own plugins. */
  FEATURE: 500,
  /** Payload encryption/signing: the last outbound transform; inbound it decrypts only what the limits let through. */
  SEAL: 1000,
} as const;

export interface TransportPlugin {
  readonly name: string;
  /** Position among plugins (see PluginOrder); equal values keep registration order. */
  readonly order: number;
  onConnect?(conn: Connection): void;
  onClose?(conn: Connection): void;
  /**
   * Runs on every valid inbound envelope, before dispatch. May rewrite `envelope.payload`
   * (decryption) or throw a ProtocolError to refuse the frame.
   */
  onInbound?(conn: Connection, envelope: Envelope, command: string): void;
  /** Runs on every outbound frame just before it is serialized (signing, encryption). */
  onOutbound?(conn: Connection, frame: Envelope): void;
  /** A request was answered (successfully or not). */
  onRequestDone?(conn: Connection, outcome: RequestOutcome): void;
  /** A frame was refused before dispatch (bad JSON, oversize, unknown command, ...). */
  onFrameRejected?(conn: Connection, errorCode: string): void;
  /** Bytes read from a socket (one call per chunk; keep it cheap). */
  onBytesIn?(conn: Connection, bytes: number): void;
  /** The server stopped (`paused: true`) or resumed reading a socket whose client does not read. */
  onBackpressure?(conn: Connection, paused: boolean): void;
  /** A side-channel connection (serveChannel, e.g. the file data channel) was accepted. */
  onChannelOpen?(conn: ChannelConnection): void;
  /** A side-channel connection closed (its byte counters are final). */
  onChannelClose?(conn: ChannelConnection): void;
  /** The transport refused or closed a side-channel connection (oversize, timeout, full, draining). */
  onChannelRejected?(conn: ChannelConnection, errorCode: string): void;
}

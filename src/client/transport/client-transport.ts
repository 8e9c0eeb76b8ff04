/**
 * What SwitchboardClient needs of a connection, so one client runs over TCP (Node, tcp-transport.ts)
 * or WebSocket (browsers and Node, websocket-transport.ts). This file and the WebSocket transport
 * import nothing from Node: the browser bundle (npm run build:browser) is built from them.
 */
import type { DecodedFrame } from '../../shared/protocol/framing';

export interface ClientTransportHandlers {
  /** A frame off the wire (or why it could not be decoded). */
  frame(decoded: DecodedFrame): void;
  /** The connection is gone (once). */
  close(): void;
  error(err: Error): void;
}

export interface ClientTransport {
  readonly kind: 'tcp' | 'websocket';
  /** The local address of the connection, when the platform knows it (direct transfers listen there). */
  readonly localAddress?: string;
  /** Starts delivering; called once by the client, right after construction. */
  start(handlers: ClientTransportHandlers): void;
  /** One encoded frame: JSON text ending in `\n` (encodeFrame's output). */
  send(frame: string): void;
  /**
   * Raw input for tests of hostile clients. TCP: the bytes as given. WebSocket: every
   * `\n`-terminated piece (and an unterminated rest) as one text message.
   */
  writeRaw(data: string | Uint8Array): void;
  /** Graceful close. */
  end(): void;
  destroy(): void;
  /** Stop / restart reading (tests of slow consumers; a browser WebSocket cannot pause: no-op). */
  pause(): void;
  resume(): void;
}

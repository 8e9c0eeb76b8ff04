/**
 * The WebSocket port (WS_PORT): browsers cannot open TCP sockets, so the same envelopes travel as
 * WebSocket text messages (websocket-socket.ts). Built on the same port server as the TCP port
 * (listeners.ts createPortServer: PROXY protocol first, then TLS = wss), then an HTTP parser only
 * for the upgrade request; every upgraded connection goes to the transport's one accept() path.
 *
 * Decisions (docs/protocol.md "WebSocket", docs/operations.md):
 * - Origin: browsers send it and let any page open a WebSocket to any host (cross-site WebSocket
 *   hijacking), so a request with an Origin must name one of WS_ALLOWED_ORIGINS (`*`: any). A
 *   request without Origin is not from a browser page and passes (such a client could send any
 *   Origin anyway); authentication stays the envelope's job.
 * - permessage-deflate is off unless WS_PERMESSAGE_DEFLATE=on: it costs CPU and memory per
 *   connection (a zlib context each), and compressing secrets (tokens) together with text an
 *   attacker can influence leaks them through the compressed size (CRIME/BREACH-style oracles).
 * - X-Forwarded-For is read only when the peer (after the PROXY protocol header, if any) is one of
 *   WS_TRUSTED_PROXIES: the rightmost address not itself a trusted proxy is the client.
 * - Messages up to twice MAX_FRAME_BYTES are read and refused like an oversize TCP frame
 *   (FRAME_TOO_LARGE, then control/error, then close); bigger ones are cut by ws itself (close
 *   1009) without buffering them.
 */
import type { Logger } from '@nestjs/common';
import * as http from 'node:http';
import * as net from 'node:net';
import { WebSocketServer } from 'ws';
import type { ListenerSpec } from './listeners';
import { createPortServer } from './listeners';
import { trustedSources } from './proxy-protocol';
import type { SwitchboardServerOptions } from './transport-options';
import { WebSocketFrameSocket } from './websocket-socket';

export interface WebSocketListenerOptions {
  port: number;
  /** Origins allowed to connect from a browser (`https://chat.example.com`); `*` any; empty: none. */
  allowedOrigins: string[];
  perMessageDeflate: boolean;
  /** Ping interval; a client that answered no ping (and sent nothing) by the next one is closed. */
  pingIntervalMs: number;
  /** Addresses/CIDRs of HTTP proxies whose X-Forwarded-For is believed; empty: never read. */
  trustedProxies: string[];
}

/** Where an upgrade to one path goes: the control connection (`/`) or a side channel (`/file`). */
export interface WebSocketRoute {
  /** Binary messages carrying the channel's TLV stream instead of text frames. */
  binary: boolean;
  /** Largest message read (bigger ones: close 1009 before buffering). */
  maxPayload: number;
  accept(socket: WebSocketFrameSocket): void;
}

/** `route(pathname)`: undefined answers the upgrade 404. */
export function createWebSocketListener(config: SwitchboardServerOptions, options: WebSocketListenerOptions, route: (pathname: string) => WebSocketRoute | undefined, logger: Logger): ListenerSpec {
  const servers = new Map<number, WebSocketServer>();
  // One ws server per message limit (the control path's, each channel's).
  const serverFor = (maxPayload: number) => {
    let wss = servers.get(maxPayload);
    if (!wss) {
      wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: options.perMessageDeflate, maxPayload, allowSynchronousEvents: true });
      servers.set(maxPayload, wss);
    }
    return wss;
  };
  const trusted = options.trustedProxies.length > 0 ? trustedSources(options.trustedProxies) : undefined;
  const anyOrigin = options.allowedOrigins.includes('*');
  const origins = new Set(options.allowedOrigins.map((o) => o.toLowerCase()));
  const parser = http.createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket', connection: 'Upgrade' });
    res.end('this port speaks WebSocket only (docs/protocol.md "WebSocket")\n');
  });
  parser.on('clientError', (_err, socket) => socket.destroy());
  parser.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    socket.setTimeout(0);
    const origin = req.headers.origin;
    if (origin !== undefined && !anyOrigin && !origins.has(origin.toLowerCase())) {
      logger.warn(`refused WebSocket from ${socket.remoteAddress}: origin ${origin} is not in WS_ALLOWED_ORIGINS`);
      return refuse(socket, 403, 'origin not allowed (WS_ALLOWED_ORIGINS)');
    }
    const target = route(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (!target) return refuse(socket, 404, 'no such path: the control connection is at /, a side channel at /<name> (e.g. /file)');
    const address = clientAddress(socket.remoteAddress ?? 'unknown', req.headers['x-forwarded-for'], trusted);
    serverFor(target.maxPayload).handleUpgrade(req, socket, head, (ws) => {
      target.accept(new WebSocketFrameSocket(ws, socket, address, { pingIntervalMs: options.pingIntervalMs, binary: target.binary }));
    });
  });
  const server = createPortServer(config, (socket) => {
    // The HTTP parser of a server that never listens has no header timeout of its own: a client
    // that never finishes its upgrade request is closed after IDLE_TIMEOUT_MS (slowloris).
    socket.setTimeout(config.idleTimeoutMs, () => socket.destroy());
    parser.emit('connection', socket);
  }, logger);
  return { server, port: options.port };
}

function refuse(socket: net.Socket, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`);
}

/**
 * The client's address: the peer's, unless the peer is a trusted proxy; then the rightmost
 * X-Forwarded-For entry that is not a trusted proxy (entries left of it could be forged by the
 * client). A malformed entry ends the walk at the last good address.
 */
export function clientAddress(peer: string, forwarded: string | string[] | undefined, trusted: net.BlockList | undefined): string {
  if (!trusted || forwarded === undefined || !isTrusted(trusted, peer)) return peer;
  const hops = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded).split(',').map((h) => h.trim()).filter((h) => h !== '');
  let address = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    if (net.isIP(hops[i]) === 0) break;
    address = hops[i];
    if (!isTrusted(trusted, address)) break;
  }
  return address;
}

function isTrusted(list: net.BlockList, address: string): boolean {
  const plain = address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
  const family = net.isIPv4(plain) ? 'ipv4' : net.isIPv6(plain) ? 'ipv6' : undefined;
  return family !== undefined && list.check(plain, family);
}

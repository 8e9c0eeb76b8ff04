/**
 * Socket-level setup kept out of the per-frame server: which listeners to open (plaintext, TLS,
 * or both on two ports).
 */
import type { Logger } from '@nestjs/common';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { inheritProxiedSource, proxyProtocolReader } from './proxy-protocol';
import type { SwitchboardServerOptions } from './transport-options';
import { buildTlsServerOptions, tlsEnabled, verifyClientCertificate } from './tls-options';

export interface ListenerSpec {
  server: net.Server;
  port: number;
}

/**
 * TLS_CERT + TLS_KEY switch the listener to TLS; only with the explicit TLS_ALLOW_PLAINTEXT opt-in
 * (validated with TLS_PORT in config) does plaintext stay on TCP_PORT with TLS on TLS_PORT.
 */
export function createListeners(config: SwitchboardServerOptions, onSocket: (socket: net.Socket) => void, logger: Logger): ListenerSpec[] {
  const { tls: tlsConfig } = config;
  // MAX_CONNECTIONS is enforced in accept() (with a control/error telling the client why),
  // not with server.maxConnections, which drops the socket without a word.
  if (!tlsEnabled(tlsConfig)) return [{ server: createPortServer(config, onSocket, logger), port: config.port }];
  const secure = createPortServer(config, onSocket, logger);
  if (tlsConfig.port === undefined || !tlsConfig.allowPlaintext) return [{ server: secure, port: config.port }];
  logger.warn(`TLS_ALLOW_PLAINTEXT=true: a plaintext listener stays open on TCP_PORT next to TLS on TLS_PORT; close it once clients moved to TLS`);
  return [
    { server: createPortServer({ ...config, tls: { ...tlsConfig, cert: undefined, key: undefined } }, onSocket, logger), port: config.port },
    { server: secure, port: tlsConfig.port },
  ];
}

/**
 * The server of one port (the control port, or a side channel's): TLS when configured, and, with
 * PROXY_PROTOCOL on, a plain TCP server in front that strips the balancer's PROXY header from the
 * raw stream first (proxy-protocol.ts) and only then hands the socket to TLS or to `onSocket`.
 * Whatever listens on 'connection' of the returned server sees every raw TCP socket.
 */
export function createPortServer(config: SwitchboardServerOptions, onSocket: (socket: net.Socket) => void, logger: Logger): net.Server {
  const secure = tlsEnabled(config.tls) ? createTlsServer(config, onSocket, logger) : undefined;
  const proxy = config.proxyProtocol;
  if (!proxy || proxy.mode === 'off') return secure ?? net.createServer(onSocket);
  // TLS reads the bytes put back after the header itself; a plain socket is resumed for
  // `onSocket`, which attaches its 'data' listener before the next tick delivers them.
  const next = secure
    ? (socket: net.Socket) => void secure.emit('connection', socket)
    : (socket: net.Socket) => {
        socket.resume();
        onSocket(socket);
      };
  return net.createServer(proxyProtocolReader(proxy, logger, next));
}

/**
 * The TLS server for TLS_CERT/TLS_KEY (TLS_CA, TLS_CLIENT_AUTH), shared by the control port and
 * the side channels (tlv-channel.ts) so every port applies the same TLS settings: options from
 * buildTlsServerOptions() (one protocol policy), and the client-certificate rule applied before
 * `onSocket` sees the socket (TLS_CLIENT_AUTH=request: a presented certificate must chain to TLS_CA).
 */
export function createTlsServer(config: SwitchboardServerOptions, onSocket: (socket: net.Socket) => void, logger: Logger): tls.Server {
  const { clientAuth } = config.tls;
  const secure = tls.createServer(buildTlsServerOptions(config.tls, config.idleTimeoutMs), (socket) => {
    inheritProxiedSource(socket);
    const check = verifyClientCertificate(socket, clientAuth);
    if (!check.ok) {
      logger.warn(`refused TLS client ${socket.remoteAddress}: ${check.reason}`);
      socket.destroy();
      return;
    }
    onSocket(socket);
  });
  // Node only reports a handshake timeout here; without destroying the socket it stays open
  // (and holds server.close() open) forever.
  secure.on('tlsClientError', (err, socket) => {
    inheritProxiedSource(socket);
    logger.debug?.(`TLS handshake failed from ${socket.remoteAddress}: ${err.message}`);
    socket.destroy();
  });
  return secure;
}

import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { isIP } from 'node:net';
import { ConfigError, defineConfig } from './config.util';
import { validateTlsSet } from './tls-validation';

class TransportEnv {
  @IsString()
  TCP_HOST = '0.0.0.0';

  @Type(() => Number)
  @IsInt({ message: 'must be an integer port number between 0 and 65535 (0 picks a free port)' })
  @Min(0, { message: 'must be an integer port number between 0 and 65535 (0 picks a free port)' })
  @Max(65535, { message: 'must be an integer port number between 0 and 65535 (0 picks a free port)' })
  TCP_PORT = 9400;

  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of bytes between 1024 and 67108864' })
  @Min(1024, { message: 'must be an integer number of bytes between 1024 and 67108864' })
  @Max(64 * 1024 * 1024, { message: 'must be an integer number of bytes between 1024 and 67108864' })
  MAX_FRAME_BYTES = 1024 * 1024;

  /** A partial frame that does not complete within this time is dropped. */
  @Type(() => Number)
  @IsInt({ message: 'must be a positive integer (milliseconds)' })
  @Min(1, { message: 'must be a positive integer (milliseconds)' })
  FRAME_TIMEOUT_MS = 10_000;

  /** A connection that sends no valid frame within this time after connecting is closed. */
  @Type(() => Number)
  @IsInt({ message: 'must be a positive integer (milliseconds)' })
  @Min(1, { message: 'must be a positive integer (milliseconds)' })
  IDLE_TIMEOUT_MS = 30_000;

  /** Above this many queued outgoing bytes the server stops reading from the socket. */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of bytes >= 1024' })
  @Min(1024, { message: 'must be an integer number of bytes >= 1024' })
  WRITE_BUFFER_HIGH_BYTES = 1024 * 1024;

  /** Above this many queued outgoing bytes live pushes are dropped (slow consumer). */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of bytes >= 1024' })
  @Min(1024, { message: 'must be an integer number of bytes >= 1024' })
  SLOW_CONSUMER_BYTES = 4 * 1024 * 1024;

  /** A socket the server stopped reading (backpressure) that does not drain within this time is destroyed. */
  @Type(() => Number)
  @IsInt({ message: 'must be a positive integer (milliseconds)' })
  @Min(1, { message: 'must be a positive integer (milliseconds)' })
  DRAIN_TIMEOUT_MS = 30_000;

  /** At this many connections new ones are refused (503) and /health/ready reports not-ready. */
  @Type(() => Number)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  MAX_CONNECTIONS = 10_000;

  /**
   * Connections one remote address may hold (0: no limit). Sized for an office behind one NAT
   * address (hundreds of people, a few devices each). Behind a TCP load balancer, turn on
   * PROXY_PROTOCOL so it counts client addresses; without it every connection comes from the
   * balancer's address: set 0 here and cap per client at the balancer.
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer >= 0 (0: no per-address limit)' })
  @Min(0, { message: 'must be an integer >= 0 (0: no per-address limit)' })
  MAX_CONNECTIONS_PER_IP = 1000;

  /**
   * Bytes of unfinished frames that the connections of one address may hold before they log in
   * (control port) or open a transfer (file port), all together; the connection that goes over
   * gets 429 RATE_LIMITED and is closed. A login frame is a few hundred bytes. 0: no bound.
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of bytes >= 0 (0: no bound)' })
  @Min(0, { message: 'must be an integer number of bytes >= 0 (0: no bound)' })
  MAX_UNAUTHENTICATED_BYTES_PER_IP = 4 * 1024 * 1024;

  /** A connection not logged in this long after connecting (or after a logout) is closed, whatever it sends. 0 disables. */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of milliseconds >= 0 (0 disables)' })
  @Min(0, { message: 'must be an integer number of milliseconds >= 0 (0 disables)' })
  AUTH_TIMEOUT_MS = 30_000;

  /**
   * PROXY protocol header expected first on every connection of the client and file ports, from a
   * TCP load balancer (HAProxy `send-proxy` = v1, `send-proxy-v2` = v2): off, v1, v2 or any.
   * Connections then count, log and rate-limit under the client's address, not the balancer's.
   * Only turn it on behind a balancer that sends it: a connection without a valid header is closed.
   */
  @IsIn(['off', 'v1', 'v2', 'any'], { message: 'must be one of off, v1, v2, any' })
  PROXY_PROTOCOL: 'off' | 'v1' | 'v2' | 'any' = 'off';

  /**
   * With PROXY_PROTOCOL: comma-separated addresses or CIDRs of the balancers (e.g.
   * `10.0.0.5,10.1.0.0/16`); connections from any other address are closed (a header from them
   * could claim any client address). Empty: any source (firewall the ports instead).
   */
  @IsOptional() @IsString()
  PROXY_PROTOCOL_TRUSTED?: string;

  /** With PROXY_PROTOCOL: the header must arrive this long after connecting, otherwise the connection is closed. */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of milliseconds between 100 and 60000' })
  @Min(100, { message: 'must be an integer number of milliseconds between 100 and 60000' })
  @Max(60_000, { message: 'must be an integer number of milliseconds between 100 and 60000' })
  PROXY_PROTOCOL_TIMEOUT_MS = 5000;

  /**
   * TLS: PEM certificate (chain) file. With TLS_KEY the listener on TCP_PORT speaks TLS only. Every
   * TLS_* variable is validated as a set at start: an incomplete or unreadable set stops the
   * process (never a silent plaintext fallback).
   */
  @IsOptional() @IsString() TLS_CERT?: string;
  /** PEM private key file for TLS_CERT (unencrypted). */
  @IsOptional() @IsString() TLS_KEY?: string;
  /** PEM CA bundle that client certificates must chain to (only this CA, never public roots). Requires TLS_CLIENT_AUTH request or require. */
  @IsOptional() @IsString() TLS_CA?: string;
  /** Client certificates: none, request (a presented one must chain to TLS_CA, else refused) or require (refused without one). request/require need TLS_CA. */
  @IsOptional()
  @IsIn(['none', 'request', 'require'], { message: 'must be one of none, request, require' })
  TLS_CLIENT_AUTH?: 'none' | 'request' | 'require';
  /** Second port for TLS while a plaintext listener stays on TCP_PORT (migrations only). Requires TLS_ALLOW_PLAINTEXT=true. */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be an integer port number between 0 and 65535' })
  @Min(0, { message: 'must be an integer port number between 0 and 65535' })
  @Max(65535, { message: 'must be an integer port number between 0 and 65535' })
  TLS_PORT?: number;
  /** Explicit opt-in to keep the plaintext TCP_PORT open next to TLS on TLS_PORT (logged as a warning at start). */
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'must be true or false' })
  TLS_ALLOW_PLAINTEXT?: 'true' | 'false';
}

export const transportConfig = defineConfig('transport', TransportEnv, (env) => ({
  // Throws a one-line ConfigError naming the variable and what is missing or wrong.
  tls: validateTlsSet(env),
  host: env.TCP_HOST,
  port: env.TCP_PORT,
  maxFrameBytes: env.MAX_FRAME_BYTES,
  frameTimeoutMs: env.FRAME_TIMEOUT_MS,
  idleTimeoutMs: env.IDLE_TIMEOUT_MS,
  writeBufferHighBytes: env.WRITE_BUFFER_HIGH_BYTES,
  slowConsumerBytes: env.SLOW_CONSUMER_BYTES,
  drainTimeoutMs: env.DRAIN_TIMEOUT_MS,
  maxConnections: env.MAX_CONNECTIONS,
  maxConnectionsPerIp: env.MAX_CONNECTIONS_PER_IP,
  authTimeoutMs: env.AUTH_TIMEOUT_MS,
  maxUnauthenticatedBytesPerIp: env.MAX_UNAUTHENTICATED_BYTES_PER_IP,
  proxyProtocol: {
    mode: env.PROXY_PROTOCOL,
    trusted: trustedList(env.PROXY_PROTOCOL_TRUSTED),
    timeoutMs: env.PROXY_PROTOCOL_TIMEOUT_MS,
    // Per port, as many as may be connected: a reconnect storm through the balancer is never
    // refused here, while sockets that never send a header stay bounded.
    maxWaiting: env.MAX_CONNECTIONS,
  },
}));

/** PROXY_PROTOCOL_TRUSTED (or `name`) as a list, each entry an address or CIDR (checked here, so a typo stops the start). */
export function trustedList(value: string | undefined, name = 'PROXY_PROTOCOL_TRUSTED'): string[] {
  const entries = (value ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '');
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    if (family === 0 || extra !== undefined || (prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= max))) {
      throw new ConfigError(`Invalid configuration: ${name}=${JSON.stringify(value)}: ${JSON.stringify(entry)} is not an IP address or CIDR (e.g. 10.0.0.5,10.1.0.0/16,fd00::/8)`);
    }
  }
  return entries;
}
export type TransportConfig = ReturnType<typeof transportConfig.parse>;

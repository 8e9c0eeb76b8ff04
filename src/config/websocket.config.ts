/**
 * The WebSocket port (WS_*): browsers speak the same protocol over WebSocket text messages, on a
 * second listener of the transport (src/transport/websocket-listener.ts). Off unless WS_PORT is set.
 */
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { ConfigError, defineConfig } from './config.util';
import { trustedList } from './transport.config';

class WebSocketEnv {
  /** WebSocket listener port (e.g. 9402), on TCP_HOST, with the TLS_* settings (wss) and PROXY_PROTOCOL like TCP_PORT. Unset: off. */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be an integer port number between 0 and 65535 (0 picks a free port)' })
  @Min(0, { message: 'must be an integer port number between 0 and 65535 (0 picks a free port)' })
  @Max(65535, { message: 'must be an integer port number between 0 and 65535 (0 picks a free port)' })
  WS_PORT?: number;

  /**
   * Comma-separated origins browsers may connect from (`https://chat.example.com`), or `*` for any.
   * A request with an Origin not listed is refused (403): any web page could otherwise open a
   * connection from a visitor's browser. Requests without Origin (non-browser clients) pass.
   */
  @IsOptional() @IsString()
  WS_ALLOWED_ORIGINS?: string;

  /**
   * permessage-deflate compression: off by default. It costs CPU and a zlib context per
   * connection, and compressing tokens together with attacker-influenced text leaks them through
   * the message sizes (CRIME/BREACH-style compression oracles).
   */
  @IsIn(['on', 'off'], { message: 'must be on or off' })
  WS_PERMESSAGE_DEFLATE: 'on' | 'off' = 'off';

  /** Ping every connection this often; one that answered no ping and sent nothing by the next is closed. 0: no pings. */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of milliseconds >= 0 (0: no pings)' })
  @Min(0, { message: 'must be an integer number of milliseconds >= 0 (0: no pings)' })
  WS_PING_INTERVAL_MS = 30_000;

  /**
   * Comma-separated addresses or CIDRs of HTTP reverse proxies in front of WS_PORT whose
   * X-Forwarded-For names the client (for per-IP limits and logs). Empty: the header is ignored
   * (anyone could send one). Behind a TCP balancer use PROXY_PROTOCOL instead.
   */
  @IsOptional() @IsString()
  WS_TRUSTED_PROXIES?: string;
}

export const websocketConfig = defineConfig('websocket', WebSocketEnv, (env) => ({
  websocket:
    env.WS_PORT === undefined
      ? undefined
      : {
          port: env.WS_PORT,
          allowedOrigins: origins(env.WS_ALLOWED_ORIGINS),
          perMessageDeflate: env.WS_PERMESSAGE_DEFLATE === 'on',
          pingIntervalMs: env.WS_PING_INTERVAL_MS,
          trustedProxies: trustedList(env.WS_TRUSTED_PROXIES, 'WS_TRUSTED_PROXIES'),
        },
}));
export type WebSocketConfig = ReturnType<typeof websocketConfig.parse>;

/** WS_ALLOWED_ORIGINS as a list of `scheme://host[:port]` (checked, so a typo stops the start). */
function origins(value: string | undefined): string[] {
  const entries = (value ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '');
  for (const entry of entries) {
    if (entry === '*') continue;
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.origin !== entry.replace(/\/$/, '').toLowerCase()) {
      throw new ConfigError(`Invalid configuration: WS_ALLOWED_ORIGINS=${JSON.stringify(value)}: ${JSON.stringify(entry)} is not an origin (scheme://host[:port], e.g. https://chat.example.com) or *`);
    }
  }
  return entries.map((e) => e.replace(/\/$/, ''));
}

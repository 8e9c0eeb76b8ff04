import { IsIn, IsOptional, IsString } from 'class-validator';
import { ConfigError, ConfigOf, defineConfig } from '../../config/config.util';

class WebAppEnv {
  /** Serve the reference web client (web/) at /app on the HTTP ops port. It talks to WS_PORT (add the page's origin to WS_ALLOWED_ORIGINS). */
  @IsIn(['on', 'off'], { message: 'must be on or off' })
  WEB_APP: 'on' | 'off' = 'off';

  /** The WebSocket URL the web client connects to (behind a proxy: its public wss:// URL). Unset: ws(s)://<the page's host>:<WS_PORT>/. */
  @IsOptional() @IsString()
  WEB_APP_WS_URL?: string;
}

export const webAppConfig = defineConfig('webapp', WebAppEnv, (env) => {
  if (env.WEB_APP_WS_URL !== undefined && !/^wss?:\/\/[^/\s]+\/?$/.test(env.WEB_APP_WS_URL)) {
    throw new ConfigError(`Invalid configuration: WEB_APP_WS_URL=${JSON.stringify(env.WEB_APP_WS_URL)}: must be a ws:// or wss:// URL of a host (e.g. wss://chat.example.com:9402/)`);
  }
  return { enabled: env.WEB_APP === 'on', wsUrl: env.WEB_APP_WS_URL };
});
export type WebAppConfig = ConfigOf<typeof webAppConfig>;

/**
 * The pure parts of the WebSocket listener: which address X-Forwarded-For yields (only behind a
 * trusted proxy) and the WS_* configuration checks.
 */
import { ConfigError } from '../../../src/config';
import { websocketConfig } from '../../../src/config/websocket.config';
import { trustedSources } from '../../../src/transport/proxy-protocol';
import { clientAddress } from '../../../src/transport/websocket-listener';

describe('clientAddress (X-Forwarded-For)', () => {
  const trusted = trustedSources(['10.0.0.0/8', '192.168.1.5']);

  it('ignores the header without trusted proxies, or from a peer that is not one', () => {
    expect(clientAddress('10.0.0.1', '198.51.100.1', undefined)).toBe('10.0.0.1');
    expect(clientAddress('203.0.113.5', '198.51.100.1', trusted)).toBe('203.0.113.5');
    expect(clientAddress('::ffff:10.0.0.1', undefined, trusted)).toBe('::ffff:10.0.0.1');
  });

  it('takes the rightmost entry that is not a trusted proxy (what is left of it may be forged)', () => {
    expect(clientAddress('10.0.0.1', '1.1.1.1, 198.51.100.1', trusted)).toBe('198.51.100.1');
    expect(clientAddress('::ffff:10.0.0.1', '1.1.1.1, 198.51.100.1, 192.168.1.5', trusted)).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.1', ['1.1.1.1', '198.51.100.2'], trusted)).toBe('198.51.100.2');
    expect(clientAddress('10.0.0.1', '2001:db8::1', trusted)).toBe('2001:db8::1');
  });

  it('stops at a malformed entry, keeping the last good address', () => {
    expect(clientAddress('10.0.0.1', 'garbage', trusted)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', '198.51.100.1, garbage, 10.0.0.9', trusted)).toBe('10.0.0.9');
  });
});

describe('WS_* configuration', () => {
  it('is off without WS_PORT and maps the settings with it', () => {
    expect(websocketConfig.parse({}).websocket).toBeUndefined();
    expect(websocketConfig.parse({ WS_PORT: '9402', WS_ALLOWED_ORIGINS: 'https://chat.example.com/, *', WS_TRUSTED_PROXIES: '10.0.0.0/8' }).websocket).toEqual({
      port: 9402,
      allowedOrigins: ['https://chat.example.com', '*'],
      perMessageDeflate: false,
      pingIntervalMs: 30_000,
      trustedProxies: ['10.0.0.0/8'],
    });
  });

  it('refuses an origin that is not scheme://host[:port] and a bad proxy entry, naming the variable', () => {
    expect(() => websocketConfig.parse({ WS_PORT: '1', WS_ALLOWED_ORIGINS: 'chat.example.com' })).toThrow(ConfigError);
    expect(() => websocketConfig.parse({ WS_PORT: '1', WS_ALLOWED_ORIGINS: 'https://chat.example.com/app' })).toThrow(/WS_ALLOWED_ORIGINS/);
    expect(() => websocketConfig.parse({ WS_PORT: '1', WS_TRUSTED_PROXIES: '10.0.0.0/99' })).toThrow(/WS_TRUSTED_PROXIES/);
    expect(() => websocketConfig.parse({ WS_PERMESSAGE_DEFLATE: 'yes' })).toThrow(/WS_PERMESSAGE_DEFLATE/);
  });
});

import { authConfig } from '../../../src/modules/auth/auth.config';
import { ConfigError } from '../../../src/config/config.util';

describe('auth configuration', () => {
  it('has safe defaults outside production (random JWT key generated later, registration open)', () => {
    const cfg = authConfig.parse({});
    expect(cfg).toMatchObject({
      production: false,
      jwtSecret: undefined,
      accessTtlS: 900,
      refreshTtlS: 30 * 24 * 3600,
      registration: 'open',
      sessionPolicy: 'single-per-device',
    });
    expect(cfg.login).toEqual({ maxFailures: 5, userMaxFailures: 20, addressMaxFailures: 100, windowMs: 60_000, lockMs: 60_000, maxLockMs: 3_600_000 });
  });

  it('refuses to start in production without AUTH_JWT_SECRET, naming the variable', () => {
    expect(() => authConfig.parse({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => authConfig.parse({ NODE_ENV: 'production' })).toThrow(/AUTH_JWT_SECRET=\(unset\): required when NODE_ENV=production/);
    expect(authConfig.parse({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'x'.repeat(32) }).production).toBe(true);
  });

  it('rejects a short secret without echoing it, and bad enum values with the allowed ones', () => {
    let message = '';
    try {
      authConfig.parse({ AUTH_JWT_SECRET: 'tooshort-secret' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('AUTH_JWT_SECRET');
    expect(message).toContain('at least 32 characters');
    expect(message).not.toContain('tooshort-secret');
    expect(() => authConfig.parse({ AUTH_SESSION_POLICY: 'sometimes' })).toThrow(/must be one of multi, single-per-device, single/);
    expect(() => authConfig.parse({ AUTH_ACCESS_TTL: '0' })).toThrow(/AUTH_ACCESS_TTL/);
  });
});

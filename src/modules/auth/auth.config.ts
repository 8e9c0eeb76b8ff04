import { availableParallelism } from 'node:os';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { ConfigError, defineConfig } from '../../config/config.util';

const positiveInt = (unit: string) => ({ message: `must be a positive integer (${unit})` });

class AuthEnv {
  @IsOptional()
  @IsString()
  NODE_ENV?: string;

  /**
   * HMAC key for access tokens (HS256). Required when NODE_ENV=production; elsewhere a random
   * per-process key is generated (tokens then die with the process and are not shared between
   * processes).
   */
  @IsOptional()
  @IsString()
  AUTH_JWT_SECRET?: string; // length checked in the map, so the value is never echoed

  /** Access-token lifetime in seconds. */
  @Type(() => Number)
  @IsInt(positiveInt('seconds'))
  @Min(1, positiveInt('seconds'))
  @Max(86_400, { message: 'must be at most 86400 seconds (access tokens are meant to be short-lived)' })
  AUTH_ACCESS_TTL = 900;

  /** Refresh-token (session) lifetime in seconds, extended on each refresh. */
  @Type(() => Number)
  @IsInt(positiveInt('seconds'))
  @Min(60, { message: 'must be an integer number of seconds >= 60' })
  AUTH_REFRESH_TTL = 30 * 24 * 3600;

  @IsIn(['open', 'closed'], { message: 'must be one of open, closed' })
  AUTH_REGISTRATION: 'open' | 'closed' = 'open';

  @IsIn(['multi', 'single-per-device', 'single'], { message: 'must be one of multi, single-per-device, single' })
  AUTH_SESSION_POLICY: 'multi' | 'single-per-device' | 'single' = 'single-per-device';

  /**
   * Switchboard's own passwords in auth/login: `on`, `off` (company sign-in only, see
   * docs/identity.md), or `admins-only` (a break-glass admin account keeps working when the
   * identity provider is down).
   */
  @IsIn(['on', 'off', 'admins-only'], { message: 'must be one of on, off, admins-only' })
  AUTH_PASSWORD_LOGIN: 'on' | 'off' | 'admins-only' = 'on';

  /** Failed logins per (address, username) within the window before that pair is locked. */
  @Type(() => Number)
  @IsInt(positiveInt('count'))
  @Min(1, positiveInt('count'))
  AUTH_LOGIN_MAX_FAILURES = 5;

  /** Failed logins per username, from any address, before the username is locked. */
  @Type(() => Number)
  @IsInt(positiveInt('count'))
  @Min(1, positiveInt('count'))
  AUTH_LOGIN_USER_MAX_FAILURES = 20;

  /** Failed logins per remote address, any username, before the address is locked. */
  @Type(() => Number)
  @IsInt(positiveInt('count'))
  @Min(1, positiveInt('count'))
  AUTH_LOGIN_ADDRESS_MAX_FAILURES = 100;

  /** Window (seconds) in which failures are counted. */
  @Type(() => Number)
  @IsInt(positiveInt('seconds'))
  @Min(1, positiveInt('seconds'))
  AUTH_LOGIN_WINDOW_S = 60;

  /** First lock duration (seconds); doubles with each further lock, up to the max. */
  @Type(() => Number)
  @IsInt(positiveInt('seconds'))
  @Min(1, positiveInt('seconds'))
  AUTH_LOGIN_LOCK_S = 60;

  @Type(() => Number)
  @IsInt(positiveInt('seconds'))
  @Min(1, positiveInt('seconds'))
  AUTH_LOGIN_MAX_LOCK_S = 3600;

  /**
   * How often (ms) each process looks for sessions revoked elsewhere (admin CLI, another node)
   * and kicks its own connections of those sessions. 0 disables the sweep.
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of milliseconds >= 0' })
  @Min(0, { message: 'must be an integer number of milliseconds >= 0' })
  AUTH_REVOCATION_SWEEP_MS = 5000;

  /**
   * How long (ms) a session read as active is trusted without reading it again. Revocations by
   * this node apply at once and those published on the event bus (kick, logout) as soon as they
   * arrive; this bounds how late any other revocation (admin CLI, lost bus message) is seen.
   * 0 reads the session on every request.
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of milliseconds between 0 and 60000' })
  @Min(0, { message: 'must be an integer number of milliseconds between 0 and 60000' })
  @Max(60_000, { message: 'must be an integer number of milliseconds between 0 and 60000' })
  AUTH_SESSION_CACHE_MS = 1000;

  /**
   * Password hashes (login, register) computed at once; more wait in a queue. Default: the CPUs
   * available to the process. argon2id takes ~20 MiB per running hash.
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 1 and 64' })
  @Min(1, { message: 'must be an integer between 1 and 64' })
  @Max(64, { message: 'must be an integer between 1 and 64' })
  AUTH_HASH_CONCURRENCY?: number;

  /**
   * Logins waiting for a hash slot; beyond this a login is answered at once with 503
   * UNAVAILABLE + a jittered retry_after_ms (a login storm gets fast refusals, not 20 s waits).
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer >= 0' })
  @Min(0, { message: 'must be an integer >= 0' })
  AUTH_HASH_QUEUE_MAX = 64;

  /** Base of the retry hint for logins refused by a full queue (1-2x this, jittered). */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of milliseconds between 1 and 600000' })
  @Min(1, { message: 'must be an integer number of milliseconds between 1 and 600000' })
  @Max(600_000, { message: 'must be an integer number of milliseconds between 1 and 600000' })
  AUTH_HASH_RETRY_AFTER_MS = 2000;
}

export const authConfig = defineConfig('auth', AuthEnv, (env) => {
  const production = env.NODE_ENV === 'production';
  if (production && !env.AUTH_JWT_SECRET) {
    throw new ConfigError('Invalid configuration: AUTH_JWT_SECRET=(unset): required when NODE_ENV=production (at least 32 characters)');
  }
  if (env.AUTH_JWT_SECRET !== undefined && env.AUTH_JWT_SECRET.length < 32) {
    throw new ConfigError(
      `Invalid configuration: AUTH_JWT_SECRET=(${env.AUTH_JWT_SECRET.length} characters, hidden): must be at least 32 characters (use e.g. \`openssl rand -base64 48\`)`,
    );
  }
  return {
    production,
    jwtSecret: env.AUTH_JWT_SECRET,
    accessTtlS: env.AUTH_ACCESS_TTL,
    refreshTtlS: env.AUTH_REFRESH_TTL,
    registration: env.AUTH_REGISTRATION,
    sessionPolicy: env.AUTH_SESSION_POLICY,
    passwordLogin: env.AUTH_PASSWORD_LOGIN,
    login: {
      maxFailures: env.AUTH_LOGIN_MAX_FAILURES,
      userMaxFailures: env.AUTH_LOGIN_USER_MAX_FAILURES,
      addressMaxFailures: env.AUTH_LOGIN_ADDRESS_MAX_FAILURES,
      windowMs: env.AUTH_LOGIN_WINDOW_S * 1000,
      lockMs: env.AUTH_LOGIN_LOCK_S * 1000,
      maxLockMs: env.AUTH_LOGIN_MAX_LOCK_S * 1000,
    },
    revocationSweepMs: env.AUTH_REVOCATION_SWEEP_MS,
    sessionCacheMs: env.AUTH_SESSION_CACHE_MS,
    hashConcurrency: env.AUTH_HASH_CONCURRENCY ?? Math.max(1, availableParallelism()),
    hashQueueMax: env.AUTH_HASH_QUEUE_MAX,
    hashRetryAfterMs: env.AUTH_HASH_RETRY_AFTER_MS,
  };
});
export type AuthConfig = ReturnType<typeof authConfig.parse>;

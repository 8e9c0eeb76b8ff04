/**
 * Transport security settings: frame signatures, payload encryption and request rate limits.
 * (TLS lives in transport.config.ts; accounts and tokens in auth.config.ts.)
 */
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { createSecretKey } from 'node:crypto';
import { parsePayloadKeys, PayloadKey, SignatureVersion } from '../shared/protocol/crypto';
import { ConfigError, defineConfig } from './config.util';

const RATE = 'must be an integer >= 0 (0 disables this limit)';

class SecurityEnv {
  /** off: no signatures. verify: check signatures that are present. require: every frame signed. */
  @IsIn(['off', 'verify', 'require'], { message: 'must be one of off, verify, require' })
  SIGNATURE_MODE: 'off' | 'verify' | 'require' = 'off';

  /** Pre-shared HMAC key (its UTF-8 bytes). Needed for verify and require; checked in the map (never echoed). */
  @IsOptional() @IsString()
  SIGNING_KEY?: string;

  /** Accepted clock skew for signed frames, and how long frame ids are remembered for replay checks. */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of seconds between 1 and 3600' })
  @Min(1, { message: 'must be an integer number of seconds between 1 and 3600' })
  @Max(3600, { message: 'must be an integer number of seconds between 1 and 3600' })
  SIGNATURE_WINDOW_S = 300;

  /**
   * Oldest canonical signing form accepted from clients: 2 (default: covers the Authorization
   * header and the frame direction, `headers.signature_version: "2"`) or 1 (legacy form, only
   * while migrating clients; see docs/protocol.md).
   */
  @IsIn(['1', '2'], { message: 'must be 1 or 2' })
  SIGNATURE_MIN_VERSION: '1' | '2' = '2';

  /**
   * Hard bound on signed-request ids remembered for replay detection (per process). When full,
   * new signed requests get 503 UNAVAILABLE until ids expire. Measured ~120 bytes per UUID id,
   * at most ~300 bytes for the longest ids: the default holds ≤ 60-150 MB.
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 1000 and 100000000' })
  @Min(1000, { message: 'must be an integer between 1000 and 100000000' })
  @Max(100_000_000, { message: 'must be an integer between 1000 and 100000000' })
  REPLAY_CACHE_MAX_ENTRIES = 500_000;

  /** Share of the replay cache one connection may hold; beyond it its signed requests get 429. */
  @Type(() => Number)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  REPLAY_CACHE_MAX_PER_CONNECTION = 5_000;

  @IsIn(['none', 'aes-256-gcm'], { message: 'must be one of none, aes-256-gcm' })
  PAYLOAD_ENCRYPTION: 'none' | 'aes-256-gcm' = 'none';

  /** `kid:base64key[,kid:base64key]`: the first key encrypts, all decrypt (rotation). Checked in the map (never echoed). */
  @IsOptional() @IsString()
  PAYLOAD_KEYS?: string;

  /** Per-connection token bucket: sustained requests per second and burst size. */
  @Type(() => Number) @IsInt({ message: RATE }) @Min(0, { message: RATE })
  RATE_LIMIT_CONN_RPS = 100;

  @Type(() => Number) @IsInt({ message: RATE }) @Min(0, { message: RATE })
  RATE_LIMIT_CONN_BURST = 200;

  /**
   * Per-user token bucket shared by all of a user's connections: on this process, or across the
   * cluster when REDIS_URL is set (see RATE_LIMIT_SYNC_MS).
   */
  @Type(() => Number) @IsInt({ message: RATE }) @Min(0, { message: RATE })
  RATE_LIMIT_USER_RPS = 200;

  @Type(() => Number) @IsInt({ message: RATE }) @Min(0, { message: RATE })
  RATE_LIMIT_USER_BURST = 400;

  /**
   * With REDIS_URL: how often (ms) each node reports the per-user tokens it spent to Redis and
   * takes back the cluster-wide level, so a user's budget holds across nodes (frames never wait
   * for Redis; a user may overshoot by about one burst + one interval per extra node, then repays
   * it). 0 = per-node user limits even with REDIS_URL. Ignored without REDIS_URL.
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of milliseconds between 0 and 10000 (0 = per node)' })
  @Min(0, { message: 'must be an integer number of milliseconds between 0 and 10000 (0 = per node)' })
  @Max(10_000, { message: 'must be an integer number of milliseconds between 0 and 10000 (0 = per node)' })
  RATE_LIMIT_SYNC_MS = 100;

  /** Consecutive 429s after which the connection is told (control/error) and closed. 0 = never close. */
  @Type(() => Number) @IsInt({ message: RATE }) @Min(0, { message: RATE })
  RATE_LIMIT_FLOOD_STRIKES = 50;

  /** presence/heartbeat has its own per-connection bucket so a request flood never starves it. */
  @Type(() => Number) @IsInt({ message: RATE }) @Min(0, { message: RATE })
  RATE_LIMIT_HEARTBEAT_RPS = 2;

  @Type(() => Number) @IsInt({ message: RATE }) @Min(0, { message: RATE })
  RATE_LIMIT_HEARTBEAT_BURST = 10;

}

export interface BucketSpec {
  /** Tokens added per second; 0 disables the bucket. */
  ratePerSecond: number;
  burst: number;
}

function bucket(rps: number, burst: number): BucketSpec | undefined {
  // A burst below the rate would refuse a steady client at exactly the configured rate.
  return rps > 0 ? { ratePerSecond: rps, burst: Math.max(burst, rps) } : undefined;
}

export const securityConfig = defineConfig('security', SecurityEnv, (env) => {
  // Secrets are validated here rather than with decorators so an error message never echoes them.
  if (env.SIGNATURE_MODE !== 'off' && env.SIGNING_KEY === undefined) {
    throw new ConfigError(`Invalid configuration: SIGNING_KEY=(unset): must be set when SIGNATURE_MODE=${env.SIGNATURE_MODE} (a random string of at least 32 characters, e.g. \`openssl rand -hex 32\`)`);
  }
  if (env.SIGNING_KEY !== undefined && Buffer.byteLength(env.SIGNING_KEY, 'utf8') < 32) {
    throw new ConfigError('Invalid configuration: SIGNING_KEY=(hidden): must be at least 32 bytes (e.g. `openssl rand -hex 32`)');
  }
  if (env.PAYLOAD_ENCRYPTION !== 'none' && env.PAYLOAD_KEYS === undefined) {
    throw new ConfigError('Invalid configuration: PAYLOAD_KEYS=(unset): must be set when PAYLOAD_ENCRYPTION=aes-256-gcm, as kid:base64key[,kid:base64key] with 32-byte keys (`openssl rand -base64 32`)');
  }
  let payloadKeys: PayloadKey[] = [];
  if (env.PAYLOAD_KEYS !== undefined) {
    try {
      payloadKeys = parsePayloadKeys(env.PAYLOAD_KEYS);
    } catch (err) {
      throw new ConfigError(`Invalid configuration: PAYLOAD_KEYS=(hidden): ${(err as Error).message}; expected kid:base64key[,kid:base64key] with 32-byte keys`);
    }
  }
  return {
    signature: {
      mode: env.SIGNATURE_MODE,
      key: env.SIGNING_KEY,
      /** The key as a KeyObject, made once: HMACs per frame skip re-importing it. */
      keyObject: env.SIGNING_KEY === undefined ? undefined : createSecretKey(Buffer.from(env.SIGNING_KEY, 'utf8')),
      windowSeconds: env.SIGNATURE_WINDOW_S,
      minVersion: Number(env.SIGNATURE_MIN_VERSION) as SignatureVersion,
      replayCache: {
        maxEntries: env.REPLAY_CACHE_MAX_ENTRIES,
        maxPerConnection: env.REPLAY_CACHE_MAX_PER_CONNECTION,
      },
    },
    encryption: {
      mode: env.PAYLOAD_ENCRYPTION,
      /** First = current (encrypts); all decrypt. Empty when unset. */
      keys: payloadKeys,
    },
    rateLimit: {
      connection: bucket(env.RATE_LIMIT_CONN_RPS, env.RATE_LIMIT_CONN_BURST),
      user: bucket(env.RATE_LIMIT_USER_RPS, env.RATE_LIMIT_USER_BURST),
      heartbeat: bucket(env.RATE_LIMIT_HEARTBEAT_RPS, env.RATE_LIMIT_HEARTBEAT_BURST),
      floodStrikes: env.RATE_LIMIT_FLOOD_STRIKES,
      syncMs: env.RATE_LIMIT_SYNC_MS,
    },
  };
});
export type SecurityConfig = ReturnType<typeof securityConfig.parse>;

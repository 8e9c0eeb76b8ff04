import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { ConfigError, ConfigOf, defineConfig } from '../../config/config.util';

const ms = (what: string) => ({ message: `must be an integer number of ${what}` });

class PushEnv {
  /**
   * What a notification shows of the message: `full` (sender and the start of the text),
   * `sender` (who wrote, not what) or `none` ("New message"). With payload encryption
   * (PAYLOAD_ENCRYPTION) or content without plain text (end-to-end encrypted) no text is ever sent.
   */
  @IsIn(['full', 'sender', 'none'], { message: 'must be one of full, sender, none' })
  PUSH_PREVIEW: 'full' | 'sender' | 'none' = 'sender';

  /** Coalescing window per device and conversation: at most one push per window (the first at once). */
  @Type(() => Number)
  @IsInt(ms('milliseconds'))
  @Min(0, ms('milliseconds'))
  PUSH_COALESCE_MS = 10_000;

  /**
   * How long a push waits after its message before it is sent: a user who is connected on any
   * device when it is due (they got the message live) gets none.
   */
  @Type(() => Number)
  @IsInt(ms('milliseconds'))
  @Min(0, ms('milliseconds'))
  PUSH_GRACE_MS = 2000;

  /** How often each node's worker looks for due pushes. */
  @Type(() => Number)
  @IsInt(ms('milliseconds'))
  @Min(10, ms('milliseconds (at least 10)'))
  PUSH_WORKER_INTERVAL_MS = 250;

  /** Pushes sent at the same time per provider and node. */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 1 and 256' })
  @Min(1, { message: 'must be an integer between 1 and 256' })
  @Max(256, { message: 'must be an integer between 1 and 256' })
  PUSH_CONCURRENCY = 16;

  /** Attempts per push before it is given up (provider errors, timeouts); 429/5xx back off exponentially. */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 1 and 50' })
  @Min(1, { message: 'must be an integer between 1 and 50' })
  @Max(50, { message: 'must be an integer between 1 and 50' })
  PUSH_MAX_ATTEMPTS = 10;

  /** First retry delay; doubles per attempt up to PUSH_RETRY_MAX_MS (a provider's Retry-After wins when longer). */
  @Type(() => Number)
  @IsInt(ms('milliseconds'))
  @Min(1, ms('milliseconds'))
  PUSH_RETRY_BASE_MS = 1000;

  @Type(() => Number)
  @IsInt(ms('milliseconds'))
  @Min(1, ms('milliseconds'))
  PUSH_RETRY_MAX_MS = 300_000;

  /** A node claims a push for this long; if it dies meanwhile another node sends it after. */
  @Type(() => Number)
  @IsInt(ms('milliseconds'))
  @Min(1000, ms('milliseconds (at least 1000)'))
  PUSH_CLAIM_MS = 30_000;

  /** Timeout of one request to a provider. */
  @Type(() => Number)
  @IsInt(ms('milliseconds'))
  @Min(100, ms('milliseconds (at least 100)'))
  PUSH_REQUEST_TIMEOUT_MS = 10_000;

  /**
   * Crash recovery: entries are re-derived from the message stream from a watermark this far
   * behind the clock (longer than any message write may take).
   */
  @Type(() => Number)
  @IsInt(ms('milliseconds'))
  @Min(1000, ms('milliseconds (at least 1000)'))
  PUSH_RECOVERY_MARGIN_MS = 60_000;

  /**
   * `on` lets the server call private, loopback and link-local addresses (a push gateway inside
   * the network, tests). Off by default: Web Push endpoints come from clients (SSRF).
   */
  @IsIn(['on', 'off'], { message: 'must be on or off' })
  PUSH_ALLOW_PRIVATE_URLS: 'on' | 'off' = 'off';

  /** Push gateway (platform `webhook`): the HTTPS URL the operator's gateway listens on. */
  @IsOptional()
  @IsString()
  PUSH_WEBHOOK_URL?: string;

  /** Secret for the gateway's `X-Switchboard-Signature` (HMAC-SHA256 of timestamp.body); at least 32 bytes. */
  @IsOptional()
  @IsString()
  PUSH_WEBHOOK_SECRET?: string;

  /** Web Push (VAPID, RFC 8292): the application server's public key, base64url (`npx web-push generate-vapid-keys`). */
  @IsOptional()
  @IsString()
  PUSH_VAPID_PUBLIC_KEY?: string;

  /** Web Push: the VAPID private key, base64url. */
  @IsOptional()
  @IsString()
  PUSH_VAPID_PRIVATE_KEY?: string;

  /** Web Push: a contact for the push service (`mailto:ops@example.com` or an https URL). */
  @IsOptional()
  @IsString()
  PUSH_VAPID_SUBJECT?: string;

  /** FCM HTTP v1: path of the service-account JSON (Firebase console → Project settings → Service accounts). */
  @IsOptional()
  @IsString()
  PUSH_FCM_CREDENTIALS_FILE?: string;

  /** FCM: the API origin (tests and private deployments point it elsewhere). */
  @IsString()
  PUSH_FCM_ENDPOINT = 'https://fcm.googleapis.com';

  /** APNs: path of the token-signing key (.p8, Apple Developer → Keys). */
  @IsOptional()
  @IsString()
  PUSH_APNS_KEY_FILE?: string;

  /** APNs: the key's id (10 characters). */
  @IsOptional()
  @IsString()
  PUSH_APNS_KEY_ID?: string;

  /** APNs: the Apple Developer team id. */
  @IsOptional()
  @IsString()
  PUSH_APNS_TEAM_ID?: string;

  /** APNs: the app's bundle id (`apns-topic`); a device's app_id overrides it. */
  @IsOptional()
  @IsString()
  PUSH_APNS_TOPIC?: string;

  /** APNs: the HTTP/2 origin (`https://api.sandbox.push.apple.com` for development builds). */
  @IsString()
  PUSH_APNS_ENDPOINT = 'https://api.push.apple.com';

  /** APNs: extra CA certificate (PEM file) to trust, for a private or test endpoint. */
  @IsOptional()
  @IsString()
  PUSH_APNS_CA_FILE?: string;
}

export const pushConfig = defineConfig('push', PushEnv, (env) => {
  if (env.PUSH_WEBHOOK_URL !== undefined && env.PUSH_WEBHOOK_SECRET === undefined) {
    throw new ConfigError('Invalid configuration: PUSH_WEBHOOK_SECRET=(unset): must be set when PUSH_WEBHOOK_URL is set, at least 32 bytes (e.g. `openssl rand -hex 32`)');
  }
  if (env.PUSH_WEBHOOK_URL !== undefined && Buffer.byteLength(env.PUSH_WEBHOOK_SECRET!) < 32) {
    throw new ConfigError('Invalid configuration: PUSH_WEBHOOK_SECRET=(hidden): must be at least 32 bytes (e.g. `openssl rand -hex 32`)');
  }
  // Same one-line shape as every config error: the first missing member of a set, named with
  // the one that is present (test/unit/ops/config-errors.spec.ts).
  requireTogether(env, ['PUSH_VAPID_PUBLIC_KEY', 'PUSH_VAPID_PRIVATE_KEY', 'PUSH_VAPID_SUBJECT']);
  requireTogether(env, ['PUSH_APNS_KEY_FILE', 'PUSH_APNS_KEY_ID', 'PUSH_APNS_TEAM_ID', 'PUSH_APNS_TOPIC']);
  return {
    preview: env.PUSH_PREVIEW,
    coalesceMs: env.PUSH_COALESCE_MS,
    graceMs: env.PUSH_GRACE_MS,
    intervalMs: env.PUSH_WORKER_INTERVAL_MS,
    concurrency: env.PUSH_CONCURRENCY,
    maxAttempts: env.PUSH_MAX_ATTEMPTS,
    retryBaseMs: env.PUSH_RETRY_BASE_MS,
    retryMaxMs: env.PUSH_RETRY_MAX_MS,
    claimMs: env.PUSH_CLAIM_MS,
    requestTimeoutMs: env.PUSH_REQUEST_TIMEOUT_MS,
    recoveryMarginMs: env.PUSH_RECOVERY_MARGIN_MS,
    allowPrivateUrls: env.PUSH_ALLOW_PRIVATE_URLS === 'on',
    webhook: env.PUSH_WEBHOOK_URL ? { url: env.PUSH_WEBHOOK_URL, secret: env.PUSH_WEBHOOK_SECRET! } : undefined,
    vapid: env.PUSH_VAPID_PUBLIC_KEY ? { publicKey: env.PUSH_VAPID_PUBLIC_KEY, privateKey: env.PUSH_VAPID_PRIVATE_KEY!, subject: env.PUSH_VAPID_SUBJECT! } : undefined,
    fcm: env.PUSH_FCM_CREDENTIALS_FILE ? { credentialsFile: env.PUSH_FCM_CREDENTIALS_FILE, endpoint: env.PUSH_FCM_ENDPOINT } : undefined,
    apns: env.PUSH_APNS_KEY_FILE
      ? { keyFile: env.PUSH_APNS_KEY_FILE, keyId: env.PUSH_APNS_KEY_ID!, teamId: env.PUSH_APNS_TEAM_ID!, topic: env.PUSH_APNS_TOPIC!, endpoint: env.PUSH_APNS_ENDPOINT, caFile: env.PUSH_APNS_CA_FILE }
      : undefined,
  };
});
export type PushConfig = ConfigOf<typeof pushConfig>;

function requireTogether(env: PushEnv, names: (keyof PushEnv & string)[]): void {
  const present = names.find((n) => env[n] !== undefined);
  const missing = names.find((n) => env[n] === undefined);
  if (present && missing) {
    throw new ConfigError(`Invalid configuration: ${missing}=(unset): must be set when ${present} is set (${names.join(', ')} go together)`);
  }
}

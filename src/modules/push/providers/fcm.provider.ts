/**
 * Platform `fcm`: Firebase Cloud Messaging HTTP v1 (POST /v1/projects/<project>/messages:send).
 * Authorised with an OAuth2 access token minted from the service-account JSON: an RS256 JWT
 * (iss = client_email, scope firebase.messaging, aud = token_uri) exchanged at the account's
 * token_uri with the JWT bearer grant (RFC 7523); the token is cached until shortly before it
 * expires and one exchange serves all concurrent sends. FCM answers: 200; 404 UNREGISTERED and
 * 403 SENDER_ID_MISMATCH = dead token; 429 / 5xx retry (Retry-After); 401 = token refused
 * (minted again, retried).
 */
import { readFileSync } from 'node:fs';
import { importPKCS8, SignJWT } from 'jose';
import { outboundRequest, retryAfterMs } from './outbound-http';
import { failureFromError, failureFromStatus, PushNotification, PushProvider, PushResult, PushTarget } from './push-provider';

export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

interface ServiceAccount {
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  token_uri: string;
}

export interface FcmSettings {
  credentialsFile: string;
  endpoint: string;
  timeoutMs: number;
  allowPrivate: boolean;
}

export function readServiceAccount(file: string): ServiceAccount {
  const json = JSON.parse(readFileSync(file, 'utf8')) as Partial<ServiceAccount>;
  for (const field of ['project_id', 'private_key', 'client_email', 'token_uri'] as const) {
    if (typeof json[field] !== 'string' || json[field] === '') throw new Error(`PUSH_FCM_CREDENTIALS_FILE: the service-account JSON has no ${field}`);
  }
  return json as ServiceAccount;
}

export class FcmProvider implements PushProvider {
  readonly platform = 'fcm' as const;
  private readonly account: ServiceAccount;
  private token: { value: string; expiresAt: number } | undefined;
  private minting: Promise<string> | undefined;
  /** Counters for tests and metrics. */
  readonly stats = { tokensMinted: 0 };

  constructor(private readonly settings: FcmSettings) {
    this.account = readServiceAccount(settings.credentialsFile);
  }

  async checkToken(token: string): Promise<string | undefined> {
    return /^[\w:.-]{1,4096}$/.test(token) ? undefined : 'an FCM registration token has letters, digits and - _ : . only';
  }

  /** A cached access token, or a new one (one exchange at a time). */
  accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now() + 60_000) return Promise.resolve(this.token.value);
    this.minting ??= this.mint().finally(() => (this.minting = undefined));
    return this.minting;
  }

  private async mint(): Promise<string> {
    const key = await importPKCS8(this.account.private_key, 'RS256');
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ scope: FCM_SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(this.account.private_key_id ? { kid: this.account.private_key_id } : {}) })
      .setIssuer(this.account.client_email)
      .setAudience(this.account.token_uri)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(key);
    const body = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString();
    const res = await outboundRequest({
      method: 'POST',
      url: this.account.token_uri,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      body,
      timeoutMs: this.settings.timeoutMs,
      allowPrivate: this.settings.allowPrivate,
    });
    // Never the body in an error: it could echo the assertion.
    if (res.status !== 200) throw new Error(`FCM token exchange answered ${res.status}`);
    const answer = JSON.parse(res.body) as { access_token?: string; expires_in?: number };
    if (typeof answer.access_token !== 'string') throw new Error('FCM token exchange answered without access_token');
    this.stats.tokensMinted++;
    this.token = { value: answer.access_token, expiresAt: Date.now() + (answer.expires_in ?? 3600) * 1000 };
    return answer.access_token;
  }

  async send(target: PushTarget, n: PushNotification): Promise<PushResult> {
    let access: string;
    try {
      access = await this.accessToken();
    } catch (err) {
      return failureFromError(err);
    }
    const body = JSON.stringify({
      message: {
        token: target.token,
        notification: { title: n.title, body: n.body },
        // Data values must be strings (FCM v1).
        data: {
          conversation_id: n.conversationId,
          seq: String(n.seq),
          message_id: n.messageId,
          sender_id: n.senderId,
          pending: String(n.pending),
          mention: String(n.mention),
          badge: String(n.badge),
          notification_id: n.id,
          ...(n.test ? { test: 'true' } : {}),
        },
        android: {
          collapse_key: n.collapseKey,
          priority: n.mention ? 'HIGH' : 'NORMAL',
          notification: { tag: n.collapseKey, notification_count: n.badge },
          ...(target.appId ? { restricted_package_name: target.appId } : {}),
        },
      },
    });
    try {
      const res = await outboundRequest({
        method: 'POST',
        url: `${this.settings.endpoint.replace(/\/$/, '')}/v1/projects/${encodeURIComponent(this.account.project_id)}/messages:send`,
        headers: { authorization: `Bearer ${access}`, 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(body) },
        body,
        timeoutMs: this.settings.timeoutMs,
        allowPrivate: this.settings.allowPrivate,
      });
      if (res.status === 200) return { ok: true };
      const code = fcmErrorCode(res.body);
      if ((res.status === 404 && code === 'UNREGISTERED') || code === 'SENDER_ID_MISMATCH') return { ok: false, reason: 'dead-token', retryable: false, detail: `FCM ${res.status} ${code}` };
      if (res.status === 401) {
        this.token = undefined;
        return { ok: false, reason: 'provider-error', retryable: true, detail: 'FCM refused the access token; minting a new one' };
      }
      return failureFromStatus(res.status, retryAfterMs(res.headers['retry-after']), `FCM ${res.status} ${code ?? ''}`.trim());
    } catch (err) {
      return failureFromError(err);
    }
  }
}

/** The FcmError code from an error body (`error.details[].errorCode`), else `error.status`. */
function fcmErrorCode(body: string): string | undefined {
  try {
    const error = (JSON.parse(body) as { error?: { status?: string; details?: { errorCode?: string }[] } }).error;
    return error?.details?.find((d) => typeof d.errorCode === 'string')?.errorCode ?? error?.status;
  } catch {
    return undefined;
  }
}

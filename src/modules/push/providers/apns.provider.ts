/**
 * Platform `apns`: Apple Push Notification service, token-based auth over HTTP/2
 * (POST /3/device/<token>). The provider token is an ES256 JWT (kid = key id, iss = team id,
 * iat) signed with the .p8 key, reused for 50 minutes (Apple refuses tokens older than an hour
 * and refreshes more often than every 20 minutes). Headers: apns-topic (bundle id),
 * apns-push-type alert, apns-priority, apns-collapse-id (one notification per conversation),
 * apns-id (stable per push: a resend after a crash is the same notification), apns-expiration.
 * Answers: 200; 410 Unregistered and 400 BadDeviceToken / DeviceTokenNotForTopic = dead token;
 * 429 / 5xx retry; 403 ExpiredProviderToken = token minted again, retried.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { importPKCS8, SignJWT } from 'jose';
import { pinnedLookup, resolveSafe, retryAfterMs } from './outbound-http';
import { failureFromError, failureFromStatus, PushNotification, PushProvider, PushResult, PushTarget } from './push-provider';

export interface ApnsSettings {
  keyFile: string;
  keyId: string;
  teamId: string;
  topic: string;
  endpoint: string;
  caFile?: string;
  timeoutMs: number;
  allowPrivate: boolean;
}

const TOKEN_TTL_MS = 50 * 60_000;
const DEAD_REASONS = new Set(['Unregistered', 'BadDeviceToken', 'DeviceTokenNotForTopic']);

/** A UUID made from the notification id (apns-id must be a UUID). */
export function apnsId(id: string): string {
  const h = createHash('sha256').update(id).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`.toUpperCase();
}

export class ApnsProvider implements PushProvider {
  readonly platform = 'apns' as const;
  private readonly keyPem: string;
  private readonly ca: Buffer | undefined;
  private token: { value: string; at: number } | undefined;
  private session: http2.ClientHttp2Session | undefined;
  readonly stats = { tokensMinted: 0, sessions: 0 };

  constructor(private readonly settings: ApnsSettings) {
    this.keyPem = readFileSync(settings.keyFile, 'utf8');
    this.ca = settings.caFile ? readFileSync(settings.caFile) : undefined;
  }

  async checkToken(token: string): Promise<string | undefined> {
    return /^[0-9a-fA-F]{64,200}$/.test(token) ? undefined : 'an APNs device token is hexadecimal (64 characters or more)';
  }

  private async providerToken(): Promise<string> {
    if (this.token && Date.now() - this.token.at < TOKEN_TTL_MS) return this.token.value;
    const key = await importPKCS8(this.keyPem, 'ES256');
    const value = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: this.settings.keyId }).setIssuer(this.settings.teamId).setIssuedAt().sign(key);
    this.stats.tokensMinted++;
    this.token = { value, at: Date.now() };
    return value;
  }

  private async connect(): Promise<http2.ClientHttp2Session> {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const url = new URL(this.settings.endpoint);
    const target = await resolveSafe(url, this.settings.allowPrivate);
    const session = http2.connect(url.origin, {
      ...(this.ca ? { ca: this.ca } : {}),
      // The checked address; TLS still verifies the endpoint's host name.
      lookup: pinnedLookup(target),
    } as http2.SecureClientSessionOptions);
    this.stats.sessions++;
    session.on('error', () => undefined);
    session.on('close', () => {
      if (this.session === session) this.session = undefined;
    });
    session.unref();
    this.session = session;
    return session;
  }

  async send(target: PushTarget, n: PushNotification): Promise<PushResult> {
    const body = JSON.stringify({
      aps: {
        alert: { title: n.title, body: n.body },
        badge: n.badge,
        sound: 'default',
        'thread-id': n.conversationId,
      },
      conversation_id: n.conversationId,
      seq: n.seq,
      message_id: n.messageId,
      sender_id: n.senderId,
      pending: n.pending,
      mention: n.mention,
      notification_id: n.id,
      ...(n.test ? { test: true } : {}),
    });
    try {
      const session = await this.connect();
      const jwt = await this.providerToken();
      const collapse = Buffer.byteLength(n.collapseKey) <= 64 ? n.collapseKey : createHash('sha256').update(n.collapseKey).digest('hex');
      const { status, headers, text } = await new Promise<{ status: number; headers: http2.IncomingHttpHeaders; text: string }>((resolve, reject) => {
        const req = session.request({
          ':method': 'POST',
          ':path': `/3/device/${target.token}`,
          authorization: `bearer ${jwt}`,
          'apns-topic': target.appId ?? this.settings.topic,
          'apns-push-type': 'alert',
          'apns-priority': n.mention ? '10' : '5',
          'apns-collapse-id': collapse,
          'apns-id': apnsId(n.id),
          'apns-expiration': String(Math.floor(Date.now() / 1000) + 24 * 3600),
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        req.setTimeout(this.settings.timeoutMs, () => req.close(http2.constants.NGHTTP2_CANCEL));
        let responseHeaders: http2.IncomingHttpHeaders = {};
        const chunks: Buffer[] = [];
        req.on('response', (h) => (responseHeaders = h));
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => resolve({ status: Number(responseHeaders[':status'] ?? 0), headers: responseHeaders, text: Buffer.concat(chunks).toString('utf8') }));
        req.on('error', reject);
        req.on('close', () => {
          if (responseHeaders[':status'] === undefined) reject(new Error(`APNs stream closed without an answer (${this.settings.timeoutMs} ms timeout or connection lost)`));
        });
        req.end(body);
      });
      if (status === 200) return { ok: true };
      let reason = '';
      try {
        reason = (JSON.parse(text) as { reason?: string }).reason ?? '';
      } catch {
        reason = '';
      }
      if (status === 410 || DEAD_REASONS.has(reason)) return { ok: false, reason: 'dead-token', retryable: false, detail: `APNs ${status} ${reason}` };
      if (status === 403 && reason === 'ExpiredProviderToken') {
        this.token = undefined;
        return { ok: false, reason: 'provider-error', retryable: true, detail: 'APNs: provider token expired; minting a new one' };
      }
      return failureFromStatus(status, retryAfterMs(headers['retry-after'] as string | undefined), `APNs ${status} ${reason}`.trim());
    } catch (err) {
      return failureFromError(err);
    }
  }

  close(): void {
    this.session?.close();
  }
}

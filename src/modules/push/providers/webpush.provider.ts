/**
 * Platform `webpush`: RFC 8030 delivery to the browser's push service, VAPID (RFC 8292) and
 * aes128gcm payload encryption (RFC 8291) by the `web-push` library, which builds the request;
 * we send it ourselves through the SSRF-checked client (the endpoint URL comes from the client).
 * 201 = accepted; 404/410 = the subscription is gone (dead token); 429/5xx retry.
 */
import { createHash } from 'node:crypto';
import webpush from 'web-push';
import { outboundRequest, resolveSafe, retryAfterMs } from './outbound-http';
import { failureFromError, failureFromStatus, PushNotification, PushProvider, PushResult, PushTarget } from './push-provider';

export interface WebPushSettings {
  publicKey: string;
  privateKey: string;
  subject: string;
  timeoutMs: number;
  allowPrivate: boolean;
}

interface Subscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export function parseSubscription(token: string): Subscription | string {
  let value: unknown;
  try {
    value = JSON.parse(token);
  } catch {
    return 'a webpush token is the PushSubscription as JSON: {"endpoint": "https://...", "keys": {"p256dh": "...", "auth": "..."}}';
  }
  const s = value as Subscription;
  if (typeof s?.endpoint !== 'string' || typeof s.keys?.p256dh !== 'string' || typeof s.keys?.auth !== 'string') {
    return 'a webpush token needs endpoint, keys.p256dh and keys.auth';
  }
  try {
    new URL(s.endpoint);
  } catch {
    return 'the webpush endpoint is not a URL';
  }
  return s;
}

export class WebPushProvider implements PushProvider {
  readonly platform = 'webpush' as const;

  constructor(private readonly settings: WebPushSettings) {}

  async checkToken(token: string): Promise<string | undefined> {
    const s = parseSubscription(token);
    if (typeof s === 'string') return s;
    try {
      await resolveSafe(new URL(s.endpoint), this.settings.allowPrivate);
    } catch (err) {
      return `endpoint refused: ${(err as Error).message}`;
    }
    return undefined;
  }

  async send(target: PushTarget, n: PushNotification): Promise<PushResult> {
    const s = parseSubscription(target.token);
    if (typeof s === 'string') return { ok: false, reason: 'dead-token', retryable: false, detail: s };
    const payload = JSON.stringify({
      id: n.id,
      conversation_id: n.conversationId,
      seq: n.seq,
      message_id: n.messageId,
      sender_id: n.senderId,
      pending: n.pending,
      mention: n.mention,
      badge: n.badge,
      title: n.title,
      body: n.body,
      ...(n.test ? { test: true } : {}),
    });
    let details: { method: string; headers: Record<string, string | number>; body: Buffer | null; endpoint: string };
    try {
      details = webpush.generateRequestDetails(s, payload, {
        vapidDetails: { subject: this.settings.subject, publicKey: this.settings.publicKey, privateKey: this.settings.privateKey },
        TTL: 24 * 3600,
        urgency: n.mention ? 'high' : 'normal',
        // Topic: a newer push for the conversation replaces one the push service still holds.
        topic: createHash('sha256').update(n.collapseKey).digest('base64url').slice(0, 32),
        contentEncoding: 'aes128gcm',
      }) as typeof details;
    } catch (err) {
      return { ok: false, reason: 'dead-token', retryable: false, detail: `subscription unusable: ${(err as Error).message}`.slice(0, 150) };
    }
    try {
      const res = await outboundRequest({
        method: 'POST',
        url: details.endpoint,
        headers: details.headers,
        body: details.body ?? undefined,
        timeoutMs: this.settings.timeoutMs,
        allowPrivate: this.settings.allowPrivate,
      });
      if (res.status >= 200 && res.status < 300) return { ok: true };
      if (res.status === 404 || res.status === 410) return { ok: false, reason: 'dead-token', retryable: false, detail: `push service answered ${res.status}` };
      return failureFromStatus(res.status, retryAfterMs(res.headers['retry-after']), `push service answered ${res.status}`);
    } catch (err) {
      return failureFromError(err);
    }
  }
}

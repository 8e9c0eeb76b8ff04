/**
 * Platform `webhook`: the operator's push gateway, in the shape of the Matrix Push Gateway API
 * (POST /_matrix/push/v1/notify; Sygnal and friends), signed so the gateway can tell it is us:
 * `X-Switchboard-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` with
 * `X-Switchboard-Timestamp` (unix seconds). `Idempotency-Key` is the notification id (a retry
 * after a crash carries the same). The gateway answers 200 `{"rejected": [pushkey...]}`: a
 * rejected pushkey is a dead token.
 */
import { createHmac } from 'node:crypto';
import { outboundRequest, resolveSafe, retryAfterMs } from './outbound-http';
import { failureFromError, failureFromStatus, PushNotification, PushProvider, PushResult, PushTarget } from './push-provider';

export interface WebhookSettings {
  url: string;
  secret: string;
  timeoutMs: number;
  allowPrivate: boolean;
}

export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class WebhookProvider implements PushProvider {
  readonly platform = 'webhook' as const;

  constructor(private readonly settings: WebhookSettings) {}

  async checkToken(token: string): Promise<string | undefined> {
    return token.length <= 1024 ? undefined : 'a webhook pushkey is at most 1024 characters';
  }

  /** Checked at start: the operator's URL must be one the SSRF rules allow. */
  async checkUrl(): Promise<void> {
    await resolveSafe(new URL(this.settings.url), this.settings.allowPrivate);
  }

  async send(target: PushTarget, n: PushNotification): Promise<PushResult> {
    const body = JSON.stringify({
      notification: {
        id: n.id,
        event_id: n.messageId,
        room_id: n.conversationId,
        type: 'm.room.message',
        sender: n.senderId,
        ...(n.senderName !== undefined ? { sender_display_name: n.senderName } : {}),
        prio: n.mention ? 'high' : 'low',
        counts: { unread: n.badge },
        content: { title: n.title, body: n.body },
        switchboard: { conversation_id: n.conversationId, seq: n.seq, message_id: n.messageId, pending: n.pending, mention: n.mention, collapse_key: n.collapseKey, ...(n.test ? { test: true } : {}) },
        devices: [{ app_id: target.appId ?? 'switchboard', pushkey: target.token, data: target.locale ? { locale: target.locale } : {} }],
      },
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    try {
      const res = await outboundRequest({
        method: 'POST',
        url: this.settings.url,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-switchboard-timestamp': timestamp,
          'x-switchboard-signature': webhookSignature(this.settings.secret, timestamp, body),
          'idempotency-key': n.id,
        },
        body,
        timeoutMs: this.settings.timeoutMs,
        allowPrivate: this.settings.allowPrivate,
      });
      if (res.status >= 200 && res.status < 300) {
        let rejected: unknown = [];
        try {
          rejected = (JSON.parse(res.body || '{}') as { rejected?: unknown }).rejected ?? [];
        } catch {
          rejected = [];
        }
        if (Array.isArray(rejected) && rejected.includes(target.token)) return { ok: false, reason: 'dead-token', retryable: false, detail: 'gateway rejected the pushkey' };
        return { ok: true };
      }
      return failureFromStatus(res.status, retryAfterMs(res.headers['retry-after']), `gateway answered ${res.status}`);
    } catch (err) {
      return failureFromError(err);
    }
  }
}

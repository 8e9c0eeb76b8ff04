/**
 * What the worker hands a provider, and what a provider answers. A notification tells the device
 * that something is waiting and where; the app then syncs over its own connection (docs/push.md).
 */
import type { PushPlatform } from '../push.dto';

export interface PushNotification {
  /** Stable per push (device, conversation, newest seq): providers' idempotency / apns-id. */
  id: string;
  userId: string;
  conversationId: string;
  /** The newest message's seq and id. */
  seq: number;
  messageId: string;
  senderId: string;
  /** The sender's display name; absent when PUSH_PREVIEW=none. */
  senderName?: string;
  /** Messages in this conversation since the last push to this device. */
  pending: number;
  mention: boolean;
  /** The user's total unread count (the app icon badge). */
  badge: number;
  /** What the notification shows (already reduced to PUSH_PREVIEW). */
  title: string;
  body: string;
  /** One visible notification per conversation: FCM collapse_key / tag, apns-collapse-id, Web Push Topic. */
  collapseKey: string;
  /** A test push (`npm run admin -- push:test`). */
  test?: boolean;
}

export interface PushTarget {
  token: string;
  appId: string | null;
  locale: string | null;
}

export type PushFailureReason = 'dead-token' | 'rate-limited' | 'provider-error' | 'network' | 'rejected' | 'unsafe-url' | 'not-configured';

export type PushResult = { ok: true } | { ok: false; reason: PushFailureReason; retryable: boolean; retryAfterMs?: number; detail: string };

export interface PushProvider {
  readonly platform: PushPlatform;
  /** Checks a token at push/register (format, and for URLs the SSRF rules); returns a problem or undefined. */
  checkToken(token: string): Promise<string | undefined>;
  send(target: PushTarget, n: PushNotification): Promise<PushResult>;
}

/** The common reading of an HTTP answer: 429 and 5xx retry (Retry-After honoured), other 4xx do not. */
export function failureFromStatus(status: number, retryAfter: number | undefined, detail: string): PushResult {
  if (status === 429) return { ok: false, reason: 'rate-limited', retryable: true, retryAfterMs: retryAfter, detail };
  if (status >= 500) return { ok: false, reason: 'provider-error', retryable: true, retryAfterMs: retryAfter, detail };
  return { ok: false, reason: 'rejected', retryable: false, detail };
}

/** A thrown request error (refused connection, timeout, TLS): retryable, except an unsafe URL. */
export function failureFromError(err: unknown): PushResult {
  const e = err as Error;
  if (e?.constructor?.name === 'UnsafeUrlError') return { ok: false, reason: 'unsafe-url', retryable: false, detail: e.message };
  return { ok: false, reason: 'network', retryable: true, detail: (e?.message ?? String(err)).slice(0, 150) };
}

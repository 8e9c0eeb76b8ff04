/**
 * The SwitchboardSession's public shapes (options, events, errors), kept apart from its behaviour
 * (session.ts) so that file stays about reconnecting, retrying and catching up. Re-exported by
 * session.ts: import them from there or from `switchboard/client`.
 */
import type { Envelope } from '../shared/protocol';
import type { EventOf, LoginResponse } from '../shared/protocol/api';
import type { WireMessage } from '../shared/protocol/messages/message.messages';
import type { BackoffOptions } from './backoff';
import type { CursorStore } from './cursor-store';
import type { MessageSource } from './message-stream';
import type { ClientOptions, ResponsePayload } from './switchboard-client';

export interface SessionOptions extends Omit<ClientOptions, 'timeoutMs'> {
  /** Password login for the first connection (omit when resuming with `refreshToken`). */
  username?: string;
  password?: string;
  /** Resume a stored session without the password. */
  refreshToken?: string;
  /** A username + password provider from auth/providers (e.g. "ldap") instead of Switchboard's own passwords. */
  provider?: string;
  /** `client_info` of the login. */
  device?: string;
  clientVersion?: string;
  /** Per attempt of every request (and the wait for a connection), default 10 000 ms. */
  requestTimeoutMs?: number;
  /** Retries of a retryable failure, default 3 (the draft's limit). */
  maxRetries?: number;
  /** Backoff between request retries (default base 200 ms, max 5 s). */
  retryBackoff?: BackoffOptions;
  /** Reconnect backoff (default base 250 ms, max 30 s); `false`: a drop ends the session. */
  reconnect?: false | BackoffOptions;
  /** Send presence/heartbeat at the interval the login announced. */
  heartbeat?: boolean;
  /** Refresh the access token before it expires. */
  autoRefresh?: boolean;
  /** Acknowledge delivered messages (cumulative per conversation): `delivered` or `read`. */
  autoAck?: false | 'delivered' | 'read';
  /** Acknowledge durable notifications once they were emitted. */
  ackNotifications?: boolean;
  /** Resume point of the message stream persisted from `syncCursor` of an earlier session. */
  syncCursor?: string;
  /**
   * Keeps the stream position (cursor and newest seq per conversation) across runs: loaded at
   * start, saved (debounced) as messages are delivered and on close. `FileCursorStore` for Node.
   * A restarted application then gets only what is new, once.
   */
  cursorStore?: CursorStore;
  /**
   * Without `syncCursor`: `beginning` (default) delivers everything the user may read, from the
   * start; `now` starts at the position of the first sync after login and skips what is older
   * (offline batches included): for bots that only care about new traffic.
   */
  startFrom?: 'now' | 'beginning';
}

/** A non-2xx answer, thrown by `call()` (and by `request()` once retries are exhausted). */
export class SwitchboardError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(
    readonly command: string,
    readonly payload: ResponsePayload,
  ) {
    super(`${command} failed: ${payload.status} ${payload.error_code}: ${payload.error_message}`);
    this.name = 'SwitchboardError';
    this.status = payload.status;
    this.code = String(payload.error_code);
  }
}

export type SessionEnd = { kind: 'closed' } | { kind: 'kicked'; reason: string } | { kind: 'auth-failed'; error: string } | { kind: 'disconnected'; error?: string };

export interface SessionEvents {
  message: [message: WireMessage, source: MessageSource];
  /**
   * A module-defined entry of a conversation's stream (`kind` set, e.g. `poll.voted`; its data in
   * `content`). Never emitted as `message`: an application that does not know the kind ignores it.
   */
  entry: [entry: WireMessage, source: MessageSource];
  /**
   * Changes to earlier messages, each also emitted as `entry` (in stream order, once): `content`
   * holds `{message_id, seq, ...}` of the message changed (`ref_seq` is its seq too).
   * - `edited`: `content.content` is the new content (history returns it from now on);
   * - `recalled`: the message is a tombstone now (`recalled_by`, `recalled_at`), drop its content.
   */
  edited: [entry: WireMessage, source: MessageSource];
  recalled: [entry: WireMessage, source: MessageSource];
  /** `reaction.added` / `reaction.removed` (`entry.kind`): `content` is `{message_id, seq, emoji, user_id}`. */
  reaction: [entry: WireMessage, source: MessageSource];
  /** `pin.added` / `pin.removed` (`entry.kind`): `content` is `{message_id, seq, pinned_by | unpinned_by}`. */
  pin: [entry: WireMessage, source: MessageSource];
  notification: [payload: EventOf<'notification/event'>];
  receipt: [payload: EventOf<'message/ack'>];
  presence: [payload: EventOf<'presence/event'>];
  /** A member started or stopped typing; a `start` ends by itself after `expires_in_ms` (the server also sends the `stop`). */
  typing: [payload: EventOf<'presence/typing'>];
  /** My read position moved on another device of mine (conversation/read). */
  read: [payload: EventOf<'conversation/read'>];
  /** A conversation was muted or unmuted on another device of mine. */
  muted: [payload: EventOf<'conversation/mute'>];
  /** Every server event frame, as received (before the events above that it causes). */
  event: [frame: Envelope];
  connected: [info: { reconnect: boolean }];
  disconnected: [info: { error?: string }];
  reconnecting: [info: { attempt: number; delayMs: number; retryAfterMs?: number }];
  /** The server said it is draining (or full): the reconnect waits at least `retryAfterMs`. */
  draining: [info: { retryAfterMs: number; code: string }];
  /** New tokens (login, refresh, reconnect): persist `refresh_token` to resume later. */
  tokens: [tokens: LoginResponse];
  heartbeat: [seq: number, rttMs: number | undefined];
  acked: [conversationId: string, seq: number];
  /** A durable notification was acknowledged (ackNotifications). */
  notificationAcked: [notificationId: string];
  /** Something went wrong in the background (an ack, a sync); the session carries on. */
  warning: [err: Error];
  /** A sync reached the end of what the server had: everything missed so far was delivered. */
  synced: [];
  ended: [end: SessionEnd];
}

/** Failures worth another attempt: the server asked for one, or the answer is unknown. */
export function isRetryable(payload: { status: number }): boolean {
  return payload.status >= 500 || payload.status === 429;
}

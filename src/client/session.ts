/**
 * SwitchboardSession: the SDK for people writing clients. One logical session over as many
 * connections (TCP, or WebSocket with `url`) as it takes:
 * - connects and logs in (password once; afterwards only the refresh token), reconnects after a
 *   drop with exponential backoff and jitter, honouring `retry_after_ms` (SERVER_DRAINING, ...);
 * - after every reconnect catches up through sync, so `message` events carry every message once,
 *   in seq order per conversation (message-stream.ts);
 * - retries requests the way the draft says: retryable failures only (lost connection, timeout,
 *   5xx, 429), at most `maxRetries` (3) times, with the SAME request id (message/send is
 *   idempotent by it), each attempt bounded by `requestTimeoutMs`;
 * - opt-in: heartbeats, token refresh before expiry, delivered/read acks, notification acks.
 *
 * One connection at a time is a SwitchboardClient (switchboard-client.ts), which is also usable
 * on its own for a bare, single-connection client. Options, events and errors: session-types.ts.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Envelope } from '../shared/protocol';
import type { EventOf, LoginResponse, RequestOf, ResponseOf } from '../shared/protocol/api';
import type { WireMessage } from '../shared/protocol/messages/message.messages';
import { backoffDelay } from './backoff';
import { Keepalive } from './keepalive';
import type { SyncPosition } from './cursor-store';
import { MessageSource, MessageStream } from './message-stream';
import { isRetryable, SessionEnd, SessionEvents, SessionOptions, SwitchboardError } from './session-types';
import { ResponsePayload, SwitchboardClient } from './switchboard-client';

export { isRetryable, SwitchboardError } from './session-types';
export type { SessionEnd, SessionEvents, SessionOptions } from './session-types';

/** Events that can arrive before start() resolves (see `held`). */
const HELD_EVENTS = new Set<keyof SessionEvents>(['message', 'entry', 'edited', 'recalled', 'reaction', 'pin', 'read', 'muted', 'typing', 'synced', 'notification', 'receipt', 'presence', 'event']);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.());

/** Stream entry kinds the session also emits under a name of their own (besides `entry`). */
const ENTRY_EVENTS: Record<string, 'edited' | 'recalled' | 'reaction' | 'pin' | undefined> = {
  'message.edited': 'edited',
  'message.recalled': 'recalled',
  'reaction.added': 'reaction',
  'reaction.removed': 'reaction',
  'pin.added': 'pin',
  'pin.removed': 'pin',
};

export class SwitchboardSession extends EventEmitter<SessionEvents> {
  userId?: string;
  sessionId?: string;
  /** The last registerPush, to register again for a new session. */
  private pushRegistration?: { request: RequestOf<'push/register'>; sessionId: string | undefined };
  refreshToken?: string;
  /** The connection in use (undefined while reconnecting). */
  connection?: SwitchboardClient;
  readonly stream: MessageStream;
  /** Resolves once, when the session is over. */
  readonly ended: Promise<SessionEnd>;
  private endWith!: (end: SessionEnd) => void;
  private isEnded = false;
  private closing = false;
  private kickReason?: string;
  private retryAfterMs?: number;
  private heartbeatIntervalS = 0;
  private refreshing?: Promise<void>;
  private ready?: { promise: Promise<SwitchboardClient>; resolve(conn: SwitchboardClient): void };
  private readonly keepalive: Keepalive;
  private readonly seenNotifications = new Set<string>();
  private readonly pendingAcks = new Map<string, number>();
  private ackScheduled = false;
  private readonly requestTimeoutMs: number;
  private readonly maxRetries: number;

  private saveTimer?: NodeJS.Timeout;
  /**
   * What the server sends right behind the login answer (offline batches, the first sync's
   * messages, durable notifications) can be read in the same socket chunk, before `start()`'s
   * caller has attached a listener: those events wait here until the tick after `start()`
   * resolved, so an application never misses the first messages.
   */
  private held?: (() => void)[] = [];

  private constructor(
    private readonly options: SessionOptions,
    stored?: SyncPosition,
  ) {
    super();
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.refreshToken = options.refreshToken;
    this.ended = new Promise((resolve) => (this.endWith = resolve));
    this.keepalive = new Keepalive({
      heartbeat: (seq) => {
        if (!this.connection?.isOpen) return false;
        this.connection.sendEvent('presence/heartbeat', { seq });
        return true;
      },
      refresh: () => this.refresh(),
    });
    this.stream = new MessageStream(
      {
        fetchSync: (cursor) => this.call('message/history', { ...(cursor ? { since: cursor } : {}), limit: 100 }),
        deliver: (m, source) => this.delivered(m, source),
        failed: (err) => this.emit('warning', err),
        synced: () => {
          this.scheduleSave();
          this.emit('synced');
        },
      },
      options.syncCursor ?? stored?.cursor,
      options.startFrom ?? 'beginning',
      stored?.positions,
    );
    this.resetReady();
  }

  /** Connects and logs in; rejects (nothing retried) when the first login fails. */
  static async start(options: SessionOptions): Promise<SwitchboardSession> {
    if (!options.refreshToken && (!options.username || options.password === undefined)) {
      throw new Error('SwitchboardSession.start needs username + password, or refreshToken');
    }
    const stored = options.cursorStore ? await options.cursorStore.load() : undefined;
    const session = new SwitchboardSession(options, stored);
    await session.open(false);
    // The caller's code after `await start()` runs in microtasks, before this: its listeners are on.
    setImmediate(() => session.release());
    return session;
  }

  get connected(): boolean {
    return this.connection?.isOpen === true && this.ready === undefined;
  }

  /** The sync cursor covering what was delivered: persist it to resume with `syncCursor`. */
  get syncCursor(): string | undefined {
    return this.stream.cursor;
  }

  /** Sends a request (retrying retryable failures with the same id); resolves with its payload, whatever the status. */
  async request<C extends string>(command: C, payload: RequestOf<C> | Record<string, unknown> = {}, options: { id?: string; timeoutMs?: number } = {}): Promise<ResponsePayload> {
    const id = options.id ?? randomUUID();
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    let failure: Error | undefined;
    let answer: ResponsePayload | undefined;
    let retryAfter: number | undefined;
    for (let attempt = 0; attempt <= this.maxRetries; attempt++) {
      if (attempt > 0) await sleep(backoffDelay(attempt - 1, { baseMs: 200, maxMs: 5000, ...this.options.retryBackoff }, retryAfter));
      retryAfter = undefined;
      if (this.isEnded) break;
      try {
        const conn = await this.whenReady(timeoutMs);
        const res = await conn.request(command, payload as Record<string, unknown>, { id, timeoutMs });
        answer = res.payload;
        if (answer.status < 300 || !isRetryable(answer)) return answer;
        retryAfter = typeof answer.retry_after_ms === 'number' ? answer.retry_after_ms : undefined;
        failure = new SwitchboardError(command, answer);
      } catch (err) {
        // Lost connection or no answer in time: the outcome is unknown, the same id makes a retry safe.
        failure = err as Error;
        answer = undefined;
      }
    }
    if (answer) return answer;
    throw failure ?? new Error(`${command}: the session has ended`);
  }

  /** Like request() but throws SwitchboardError unless the answer is 2xx; resolves with the typed payload. */
  async call<C extends string>(command: C, payload: RequestOf<C> | Record<string, unknown> = {}, options: { id?: string; timeoutMs?: number } = {}): Promise<ResponseOf<C>> {
    const answer = await this.request(command, payload, options);
    if (answer.status >= 300) throw new SwitchboardError(command, answer);
    return answer as ResponseOf<C>;
  }

  /** Sends a text (or any content) to a user or group; retried safely (same id). */
  send(target: { type: 'user' | 'group'; id: string }, text: string, options: { id?: string } = {}): Promise<ResponseOf<'message/send'>> {
    return this.call('message/send', { target, content: { type: 'text', text } }, options);
  }

  /** Replaces the content of my message at `seq` (within the server's MESSAGE_EDIT_WINDOW_S). */
  editMessage(conversationId: string, seq: number, content: string | { type: string; [field: string]: unknown }, options: { id?: string } = {}): Promise<ResponseOf<'message/edit'>> {
    const body = typeof content === 'string' ? { type: 'text', text: content } : content;
    return this.call('message/edit', { conversation_id: conversationId, seq, content: body }, options);
  }

  /** Recalls (erases) a message: mine within MESSAGE_RECALL_WINDOW_S, anyone's as a group owner/admin. */
  recallMessage(conversationId: string, seq: number, options: { id?: string } = {}): Promise<ResponseOf<'message/recall'>> {
    return this.call('message/recall', { conversation_id: conversationId, seq }, options);
  }

  /** Adds my reaction (one emoji, or a :shortcode:) to the message at `seq`; answers the message's reactions now. */
  react(conversationId: string, seq: number, emoji: string): Promise<ResponseOf<'reaction/add'>> {
    return this.call('reaction/add', { conversation_id: conversationId, seq, emoji });
  }

  /** Takes my reaction back (nothing happens if I had none). */
  unreact(conversationId: string, seq: number, emoji: string): Promise<ResponseOf<'reaction/remove'>> {
    return this.call('reaction/remove', { conversation_id: conversationId, seq, emoji });
  }

  /** Replies in the thread of the root message `rootMessageId` (Slack's model: the reply is a message with `thread_root_seq`). */
  replyInThread(target: { type: 'user' | 'group'; id: string }, rootMessageId: string, text: string, options: { id?: string } = {}): Promise<ResponseOf<'message/send'>> {
    return this.call('message/send', { target, content: { type: 'text', text }, meta: { thread_root: rootMessageId } }, options);
  }

  /** One page of a thread: the root with its summary and the replies after `since` (a previous page's `next_cursor`). */
  threadReplies(conversationId: string, rootSeq: number, options: { since?: string; limit?: number } = {}): Promise<ResponseOf<'message/thread'>> {
    return this.call('message/thread', { conversation_id: conversationId, root_seq: rootSeq, ...options });
  }

  /**
   * Full-text search over the messages I may read, CJK included (query syntax: words, "phrases",
   * from:, in:, has:file, before:/after: — docs/protocol.md). Newest first, or `order: 'relevance'`;
   * each result has `conversation_id` + `seq`, a `snippet` of `{text, match}` parts and a
   * `history_cursor` (message/history `before`) to show it in context. Next page: `cursor: next_cursor`.
   */
  search(query: string, options: Omit<RequestOf<'message/search'>, 'query'> = {}): Promise<ResponseOf<'message/search'>> {
    return this.call('message/search', { query, ...options });
  }

  /** Pins the message at `seq` (group owner/admins; either party of a direct conversation). */
  pin(conversationId: string, seq: number): Promise<ResponseOf<'pin/add'>> {
    return this.call('pin/add', { conversation_id: conversationId, seq });
  }

  unpin(conversationId: string, seq: number): Promise<ResponseOf<'pin/remove'>> {
    return this.call('pin/remove', { conversation_id: conversationId, seq });
  }

  /** The conversation's pinned messages, newest pin first. */
  listPins(conversationId: string): Promise<ResponseOf<'pin/list'>> {
    return this.call('pin/list', { conversation_id: conversationId });
  }

  /** Marks a conversation read up to `seq` on all my devices (never backwards; read receipts to the senders). */
  markRead(conversationId: string, seq: number): Promise<ResponseOf<'conversation/read'>> {
    return this.call('conversation/read', { conversation_id: conversationId, seq });
  }

  /** My conversations, latest activity first, with last message, unread and mention counts; pass `next_cursor` for the next page. */
  conversations(options: { cursor?: string; limit?: number } = {}): Promise<ResponseOf<'conversation/list'>> {
    return this.call('conversation/list', options);
  }

  /**
   * Registers this device for push notifications while it is not connected (docs/push.md).
   * The token belongs to this session: it stops at logout; if the session is replaced (a new
   * login after the refresh token expired), the SDK registers it again for the new one.
   */
  async registerPush(platform: 'fcm' | 'apns' | 'webpush' | 'webhook', token: string, options: { appId?: string; locale?: string } = {}): Promise<ResponseOf<'push/register'>> {
    const request = { platform, token, ...(options.appId ? { app_id: options.appId } : {}), ...(options.locale ? { locale: options.locale } : {}) };
    const answer = await this.call('push/register', request);
    this.pushRegistration = { request, sessionId: this.sessionId };
    return answer;
  }

  /** Stops push notifications to this device (the token given, or every token of this session). */
  async unregisterPush(token?: string): Promise<ResponseOf<'push/unregister'>> {
    if (token === undefined || this.pushRegistration?.request.token === token) this.pushRegistration = undefined;
    return this.call('push/unregister', token === undefined ? {} : { token });
  }

  /** Reads (no argument) or changes my push preferences: level all / mentions / none, quiet hours. */
  pushSettings(changes: RequestOf<'push/settings'> = {}): Promise<ResponseOf<'push/settings'>> {
    return this.call('push/settings', changes);
  }

  /** Mutes a conversation until `until` (epoch ms) or, without it, until unmuted. Unread still counts. */
  mute(conversationId: string, until?: number): Promise<ResponseOf<'conversation/mute'>> {
    return this.call('conversation/mute', { conversation_id: conversationId, muted: true, ...(until !== undefined ? { until } : {}) });
  }

  unmute(conversationId: string): Promise<ResponseOf<'conversation/mute'>> {
    return this.call('conversation/mute', { conversation_id: conversationId, muted: false });
  }

  /** Tells the members I am typing (`start`, resent about every expires_in_ms / 2 while typing) or stopped. */
  typing(conversationId: string, state: 'start' | 'stop'): Promise<ResponseOf<'presence/typing'>> {
    return this.call('presence/typing', { conversation_id: conversationId, state });
  }

  /** Ends the session: closes the connection and stops reconnecting (the server session stays valid). */
  async close(): Promise<void> {
    this.closing = true;
    this.keepalive.stop();
    await this.saveNow();
    const conn = this.connection;
    if (conn) await conn.close().catch(() => undefined);
    this.finish({ kind: 'closed' });
  }

  // ----------------------------------------------------------------------------------------------

  /** One connection attempt: connect, authenticate, catch up. */
  private async open(reconnect: boolean): Promise<void> {
    const conn = await SwitchboardClient.connect({ ...this.options, timeoutMs: this.requestTimeoutMs });
    conn.on('event', (frame: Envelope) => this.onEvent(conn, frame));
    try {
      const auth = await this.authenticate(conn);
      conn.token = auth.token;
    } catch (err) {
      await conn.close().catch(() => undefined);
      throw err;
    }
    void conn.closed.then(() => this.onClosed(conn));
    this.connection = conn;
    const ready = this.ready;
    this.ready = undefined;
    ready?.resolve(conn);
    this.emit('connected', { reconnect });
    // A new session (not a refresh of the old one) has no push token yet: register it again.
    const push = this.pushRegistration;
    if (push && push.sessionId !== this.sessionId) {
      push.sessionId = this.sessionId;
      void conn.request('push/register', { ...push.request }).catch(() => undefined);
    }
    if (this.options.heartbeat) this.keepalive.startHeartbeats(this.heartbeatIntervalS);
    // The first sync is the baseline (or the resume from a stored cursor); later ones fill the gap.
    void this.stream.sync();
  }

  /** Password login the first time; afterwards (and when resuming) the refresh token. */
  private async authenticate(conn: SwitchboardClient): Promise<LoginResponse> {
    const clientInfo = { device: this.options.device ?? 'sdk', version: this.options.clientVersion ?? 'sdk-0.1.0' };
    const res = this.refreshToken
      ? await conn.request('auth/refresh', { refresh_token: this.refreshToken })
      : await conn.request('auth/login', {
          username: this.options.username,
          password: this.options.password,
          ...(this.options.provider ? { provider: this.options.provider } : {}),
          client_info: clientInfo,
        });
    const p = res.payload;
    if (p.status >= 300) throw new SwitchboardError(res.command, p);
    this.adopt(p as unknown as LoginResponse);
    return p as unknown as LoginResponse;
  }

  private adopt(tokens: LoginResponse): void {
    this.userId = tokens.user_id;
    this.sessionId = tokens.session_id;
    this.refreshToken = tokens.refresh_token;
    if (typeof tokens.heartbeat_interval === 'number') this.heartbeatIntervalS = tokens.heartbeat_interval;
    if (this.options.autoRefresh) this.keepalive.scheduleRefresh(Number(tokens.expires_in));
    this.emit('tokens', tokens);
  }

  /** auth/refresh on the live connection, one at a time (two with one token would count as reuse). */
  private refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const conn = this.connection;
        if (!conn?.isOpen || !this.refreshToken) return;
        const res = await conn.request('auth/refresh', { refresh_token: this.refreshToken });
        if (res.payload.status >= 300) {
          this.emit('warning', new SwitchboardError('auth/refresh', res.payload));
          return;
        }
        conn.token = res.payload.token;
        this.adopt(res.payload as unknown as LoginResponse);
      } catch (err) {
        this.emit('warning', err as Error); // the connection dropped: the reconnect refreshes
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private onClosed(conn: SwitchboardClient): void {
    if (conn !== this.connection) return;
    this.connection = undefined;
    this.keepalive.stop();
    this.resetReady();
    if (this.closing || this.isEnded) return;
    if (this.kickReason !== undefined) return this.finish({ kind: 'kicked', reason: this.kickReason });
    this.emit('disconnected', {});
    if (this.options.reconnect === false) return this.finish({ kind: 'disconnected' });
    void this.reconnectLoop();
  }

  private async reconnectLoop(): Promise<void> {
    for (let attempt = 0; !this.closing && !this.isEnded; attempt++) {
      const retryAfterMs = this.retryAfterMs;
      this.retryAfterMs = undefined;
      const delayMs = backoffDelay(attempt, this.options.reconnect || {}, retryAfterMs);
      this.emit('reconnecting', { attempt: attempt + 1, delayMs, retryAfterMs });
      await sleep(delayMs);
      if (this.closing || this.isEnded) return;
      try {
        await this.open(true);
        return;
      } catch (err) {
        // A refused refresh token cannot get better by retrying: the user must log in again.
        if (err instanceof SwitchboardError && err.status === 401) return this.finish({ kind: 'auth-failed', error: err.message });
        if (err instanceof SwitchboardError && typeof err.payload.retry_after_ms === 'number') this.retryAfterMs = err.payload.retry_after_ms;
      }
    }
  }

  private onEvent(conn: SwitchboardClient, frame: Envelope): void {
    const p = (frame.payload ?? {}) as Record<string, any>;
    // First the raw frame (a renderer may print a batch header), then what it means.
    if (conn === this.connection || this.connection === undefined) this.emit('event', frame);
    switch (frame.command) {
      case 'message/event':
        this.stream.push(p.message as WireMessage, 'live');
        break;
      case 'message/offline':
        for (const m of (p.messages ?? []) as WireMessage[]) this.stream.push(m, 'offline');
        break;
      case 'message/ack':
        this.emit('receipt', p as EventOf<'message/ack'>);
        break;
      case 'presence/event':
        this.emit('presence', p as EventOf<'presence/event'>);
        break;
      case 'presence/typing':
        this.emit('typing', p as EventOf<'presence/typing'>);
        break;
      case 'conversation/read':
        this.emit('read', p as EventOf<'conversation/read'>);
        break;
      case 'conversation/mute':
        this.emit('muted', p as EventOf<'conversation/mute'>);
        break;
      case 'presence/heartbeat':
        this.emit('heartbeat', p.seq, this.keepalive.echoed(p.seq));
        break;
      case 'notification/event':
        this.notification(p as EventOf<'notification/event'>);
        break;
      case 'control/resync':
        // Live pushes may have been lost on the server side: the sync fills whatever is missing.
        void this.stream.sync();
        break;
      case 'auth/kick':
        this.kickReason = String(p.reason ?? 'unknown');
        break;
      case 'control/error':
        if (typeof p.retry_after_ms === 'number') {
          this.retryAfterMs = p.retry_after_ms;
          this.emit('draining', { retryAfterMs: p.retry_after_ms, code: String(p.error_code) });
        }
        break;
    }
  }

  private notification(p: EventOf<'notification/event'>): void {
    const id = p.notification_id;
    if (this.seenNotifications.has(id)) return;
    this.seenNotifications.add(id);
    // Bounded de-duplication window (a replay follows its live twin closely).
    if (this.seenNotifications.size > 2000) this.seenNotifications.delete(this.seenNotifications.values().next().value!);
    this.emit('notification', p);
    if (this.options.ackNotifications && p.durable) {
      void this.request('notification/ack', { notification_ids: [id] })
        .then((r) => (r.status < 300 ? this.emit('notificationAcked', id) : this.emit('warning', new SwitchboardError('notification/ack', r))))
        .catch((err: Error) => this.emit('warning', err));
    }
  }

  override emit<K extends keyof SessionEvents>(event: K, ...args: SessionEvents[K]): boolean {
    if (this.held && HELD_EVENTS.has(event)) {
      this.held.push(() => super.emit(event, ...(args as never)));
      return true;
    }
    return super.emit(event, ...(args as never));
  }

  private release(): void {
    const held = this.held;
    this.held = undefined;
    for (const emit of held ?? []) emit();
  }

  /** Saves the stream position soon (one write per burst of deliveries). */
  private scheduleSave(): void {
    if (!this.options.cursorStore || this.saveTimer) return;
    this.saveTimer = setTimeout(() => void this.saveNow(), 250);
    this.saveTimer.unref?.();
  }

  private async saveNow(): Promise<void> {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.options.cursorStore) return;
    try {
      await this.options.cursorStore.save({ cursor: this.stream.cursor, positions: this.stream.positions });
    } catch (err) {
      this.emit('warning', err as Error);
    }
  }

  private delivered(m: WireMessage, source: MessageSource): void {
    // Entries still count for the stream's seqs and acks: only who hears about them differs.
    if (m.kind === undefined) this.emit('message', m, source);
    else {
      this.emit('entry', m, source);
      const specific = ENTRY_EVENTS[m.kind];
      if (specific) this.emit(specific, m, source);
    }
    this.scheduleSave();
    if (!this.options.autoAck) return;
    this.pendingAcks.set(m.conversation_id, Math.max(this.pendingAcks.get(m.conversation_id) ?? 0, m.seq));
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    // One cumulative ack per conversation for everything delivered in this tick.
    setImmediate(() => {
      this.ackScheduled = false;
      const acks = [...this.pendingAcks];
      this.pendingAcks.clear();
      for (const [conversationId, seq] of acks) {
        this.request('message/ack', { conversation_id: conversationId, seq, state: this.options.autoAck || 'delivered' })
          .then((p) => (p.status < 300 ? this.emit('acked', conversationId, seq) : this.emit('warning', new SwitchboardError('message/ack', p))))
          .catch((err: Error) => this.emit('warning', err));
      }
    });
  }

  private whenReady(timeoutMs: number): Promise<SwitchboardClient> {
    if (this.isEnded) return Promise.reject(new Error('the session has ended'));
    if (!this.ready && this.connection?.isOpen) return Promise.resolve(this.connection);
    const ready = this.ready!.promise;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not connected within ${timeoutMs} ms`)), timeoutMs);
      ready.then((conn) => {
        clearTimeout(timer);
        resolve(conn);
      }, reject);
    });
  }

  private resetReady(): void {
    if (this.ready) return;
    let resolve!: (conn: SwitchboardClient) => void;
    const promise = new Promise<SwitchboardClient>((r) => (resolve = r));
    this.ready = { promise, resolve };
  }

  private finish(end: SessionEnd): void {
    if (this.isEnded) return;
    this.isEnded = true;
    this.keepalive.stop();
    this.emit('ended', end);
    this.endWith(end);
  }
}

/**
 * Hands the application every message once, in seq order per conversation, whatever mix of
 * sources brought it: live pushes (droppable), offline batches (replayed until acked) and sync
 * pages (message/history without conversation_id, from the sync cursor).
 *
 * Per conversation it keeps `last`, the newest seq delivered (or skipped as history). A live or
 * offline message is delivered at once only when it is exactly `last + 1`; anything else waits
 * in a bounded buffer and asks for a sync, which is the authority: its pages are complete, in
 * ascending seq, from the cursor on. After a sync, buffered messages the sync covered are dropped
 * and the rest are delivered in order (or wait for the next sync). The sync cursor itself is kept
 * here and can be persisted by the application (`cursor`) to resume a later session.
 */
import type { HistoryResponse } from '../shared/protocol/api';
import type { WireMessage } from '../shared/protocol/messages/message.messages';

export type MessageSource = 'live' | 'offline' | 'sync';

export interface MessageStreamHooks {
  /** One history page request (sync mode); rejects when the connection is gone. */
  fetchSync(cursor: string | undefined): Promise<HistoryResponse>;
  deliver(message: WireMessage, source: MessageSource): void;
  /** A sync failed (it is retried on the next trigger, e.g. the next reconnect). */
  failed?(err: Error): void;
  /** A sync ran to the end of what the server had (the application is caught up). */
  synced?(): void;
}

/** Buffered out-of-order messages per conversation at most; beyond it the oldest wait for sync. */
const BUFFER_MAX = 1000;

export class MessageStream {
  /** Newest seq delivered (or skipped) per conversation. */
  private readonly last = new Map<string, number>();
  private readonly buffered = new Map<string, Map<number, { m: WireMessage; source: MessageSource }>>();
  private syncing?: Promise<void>;
  private again = false;
  /**
   * true until the first sync completes when starting `now` without a cursor: that sync only
   * fixes the starting point (history is skipped, offline batches included); messages after it
   * are delivered.
   */
  private baseline: boolean;

  constructor(
    private readonly hooks: MessageStreamHooks,
    /** Resume point persisted by the application, if any. */
    public cursor: string | undefined,
    startFrom: 'now' | 'beginning' = 'beginning',
    /** Newest seq per conversation already handed to the application (a stored position). */
    positions: Record<string, number> = {},
  ) {
    this.baseline = cursor === undefined && startFrom === 'now';
    for (const [conversationId, seq] of Object.entries(positions)) this.last.set(conversationId, seq);
  }

  /** Newest seq delivered per conversation (persist it with the cursor to resume exactly). */
  get positions(): Record<string, number> {
    return Object.fromEntries(this.last);
  }

  /** A live or offline message. */
  push(message: WireMessage, source: 'live' | 'offline'): void {
    const last = this.last.get(message.conversation_id);
    if (last !== undefined && message.seq <= last) return;
    if (!this.baseline && last !== undefined && message.seq === last + 1) {
      this.emit(message, source);
      this.flush(message.conversation_id);
      return;
    }
    this.buffer(message, source);
    void this.sync();
  }

  /** Catches up from the cursor (coalesced: a call during a sync runs one more afterwards). */
  sync(): Promise<void> {
    if (this.syncing) {
      this.again = true;
      return this.syncing;
    }
    this.syncing = this.run().finally(() => {
      this.syncing = undefined;
      if (this.again) {
        this.again = false;
        void this.sync();
      }
    });
    return this.syncing;
  }

  /** Resolves when no sync is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.syncing) await this.syncing;
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        const page = await this.hooks.fetchSync(this.cursor);
        for (const m of page.messages) {
          const last = this.last.get(m.conversation_id);
          if (last !== undefined && m.seq <= last) continue;
          this.last.set(m.conversation_id, m.seq);
          // A message that was waiting for this sync keeps the source that brought it.
          const waiting = this.buffered.get(m.conversation_id)?.get(m.seq);
          if (!this.baseline) this.emit(m, waiting?.source ?? 'sync');
        }
        if (page.next_cursor) this.cursor = page.next_cursor;
        if (!page.has_more) break;
      }
      // After the baseline, what it covered is history (dropped below), the rest is delivered.
      this.baseline = false;
      let gaps = false;
      for (const conversationId of [...this.buffered.keys()]) {
        this.flush(conversationId);
        if (this.buffered.has(conversationId)) gaps = true;
      }
      // Still a gap: something committed after our read; its push or the next sync brings it.
      if (gaps) this.again = true;
      this.hooks.synced?.();
    } catch (err) {
      this.hooks.failed?.(err as Error);
    }
  }

  private buffer(m: WireMessage, source: MessageSource): void {
    let waiting = this.buffered.get(m.conversation_id);
    if (!waiting) this.buffered.set(m.conversation_id, (waiting = new Map()));
    waiting.set(m.seq, { m, source });
    // Bounded: what is dropped here is re-read by the sync.
    if (waiting.size > BUFFER_MAX) waiting.delete(Math.min(...waiting.keys()));
  }

  /** Delivers buffered messages of a conversation that now follow `last` contiguously. */
  private flush(conversationId: string): void {
    const waiting = this.buffered.get(conversationId);
    if (!waiting) return;
    let last = this.last.get(conversationId) ?? 0;
    for (const seq of [...waiting.keys()]) if (seq <= last) waiting.delete(seq);
    for (let next = waiting.get(last + 1); next; next = waiting.get(last + 1)) {
      waiting.delete(next.m.seq);
      this.emit(next.m, next.source);
      last = next.m.seq;
    }
    if (waiting.size === 0) this.buffered.delete(conversationId);
  }

  private emit(m: WireMessage, source: MessageSource): void {
    this.last.set(m.conversation_id, m.seq);
    this.hooks.deliver(m, source);
  }
}

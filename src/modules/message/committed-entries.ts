/**
 * Extension port: observe what the conversation streams committed, for modules that tell the
 * outside world (push notifications), without slowing the send path and without losing an entry
 * when the process dies.
 *
 * Two halves, used together:
 * - `subscribe(listener)`: the listener runs synchronously in the writer's commit callback, in
 *   commit (= seq) order per conversation, for every stored message and module entry, with the
 *   members the entry was stored for (read inside the write transaction). It must be cheap and
 *   must not throw (queue the entry and return); when nobody subscribed, the send path pays one
 *   length check.
 * - `scan(afterId, upToId, limit)`: the committed entries whose id is in (afterId, upToId], in id
 *   order, through the messages primary key. Message ids are time-sortable (`message-id.ts`) and
 *   are taken before the write, so an entry may commit a little after a later id: a consumer that
 *   recovers after a crash scans from a watermark it stored, lagging the clock by a margin longer
 *   than any write takes, and makes handling an entry twice harmless (e.g. by its seq).
 */
import { Injectable, Logger } from '@nestjs/common';
import { mentionsOf } from './message-summaries.service';
import type { MessageEntity } from './entities/message.entity';

export interface CommittedEntry {
  messageId: string;
  conversationId: string;
  seq: number;
  senderId: string;
  /** `message` for message/send, else the module kind (`poll.voted`, `message.edited`, ...). */
  kind: string;
  sentAt: number;
  /** The thread root's seq for a reply, the referred entry's for module entries. */
  refSeq: number | null;
  /** Who the content names (`content.mentions`, `@all` included). */
  mentions: string[];
  /** The stored content (not a copy: read it, do not change it). */
  content: Record<string, unknown>;
  /**
   * The conversation's members at commit (the sender included); undefined for a broadcast and
   * for entries found by `scan` (read the members yourself).
   */
  recipients?: string[];
}

export type CommittedEntryListener = (entry: CommittedEntry) => void;

/** The scan query, implemented by the message repository (kept out of this port's file). */
export abstract class CommittedEntrySource {
  abstract scan(afterId: string, upToId: string, limit: number): Promise<MessageEntity[]>;
}

@Injectable()
export class CommittedEntries {
  private readonly logger = new Logger('CommittedEntries');
  private readonly listeners: CommittedEntryListener[] = [];

  constructor(private readonly source: CommittedEntrySource) {}

  /** Called by a module once, at init. */
  subscribe(listener: CommittedEntryListener): void {
    this.listeners.push(listener);
  }

  get observed(): boolean {
    return this.listeners.length > 0;
  }

  /** The writer's commit callbacks call this; a failing listener is logged, never the sender's problem. */
  emit(stored: MessageEntity, recipients: string[] | undefined): void {
    if (this.listeners.length === 0) return;
    const entry = toEntry(stored, recipients);
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch (err) {
        this.logger.error(`committed-entry listener failed for ${stored.id}: ${(err as Error).message}`);
      }
    }
  }

  async scan(afterId: string, upToId: string, limit: number): Promise<CommittedEntry[]> {
    return (await this.source.scan(afterId, upToId, limit)).map((m) => toEntry(m, undefined));
  }
}

function toEntry(m: MessageEntity, recipients: string[] | undefined): CommittedEntry {
  return {
    messageId: m.id,
    conversationId: m.conversationId,
    seq: m.seq,
    senderId: m.senderId,
    kind: m.kind ?? 'message',
    sentAt: m.sentAt,
    refSeq: m.refSeq ?? null,
    mentions: mentionsOf(m.content),
    content: m.content,
    recipients,
  };
}

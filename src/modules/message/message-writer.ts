/**
 * Group commit for message/send, on both engines.
 *
 * Sends are queued here in arrival order (from any connection, for any conversation). When the
 * writer is idle, the queue is written at the end of the current event-loop turn (setImmediate:
 * every frame already read is queued by then; no timer, so a lone send is written at once); sends
 * arriving while a batch is being written form the next batch. A batch is ONE transaction (one
 * commit, one fsync) that, per message, checks the sender's membership, allocates the next seq of
 * its conversation (arrival order), inserts it with the (sender, client id) duplicate check folded
 * into the insert (ON CONFLICT DO NOTHING on the unique index), then bumps each conversation's
 * last_seq once. Recipients are the members read inside that transaction, so a member removed
 * before the commit neither gets the message stored for them nor pushed; one removed after it
 * got it legitimately.
 *
 * If a batch fails (a statement error: constraint, trigger, lost connection), nothing of it was
 * committed, and its messages are written again one per transaction, so only the failing one
 * fails: no message of the batch is lost or stored twice.
 *
 * `onCommitted` callbacks run synchronously after the commit in batch order, and batches commit in
 * order, so pushes published from them leave this process in seq order per conversation.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isSqlite, runSerializedWrite } from '../../database/write-transaction';
import type { ConversationKind } from '../conversation';
import type { MessageEntity } from './entities/message.entity';
import { PostgresMessageStore } from './postgres-message-store';
import { SqliteMessageStore } from './sqlite-message-store';

export interface NewMessage {
  id: string;
  conversationId: string;
  kind: ConversationKind;
  /** Direct conversations: both user ids, to create the conversation lazily. */
  directMembers?: [string, string];
  senderId: string;
  clientMsgId: string;
  contentHash: string;
  content: Record<string, unknown>;
  attachments: Record<string, unknown>[];
  meta: Record<string, unknown>;
  /**
   * A module-defined stream entry (ConversationStream.append), e.g. `poll.voted`; undefined for a
   * message. Stored in `messages.kind`; takes a seq like any message.
   */
  entryKind?: string;
  /** The seq of the entry of the same conversation this one is about (an edit's message, a thread's root). */
  refSeq?: number;
  /** content, attachments and meta as JSON when the caller has them already (message/send does). */
  json?: { content: string; attachments: string; meta: string };
}

export type WriteOutcome =
  /** `recipients`: the conversation's members at commit (undefined: everyone, broadcast). */
  | { status: 'stored'; stored: MessageEntity; recipients: string[] | undefined }
  /** The sender already stored a message with this client id (a retry, or a reused id). */
  | { status: 'duplicate'; stored: MessageEntity }
  /** The group does not exist or the sender is not (any more) a member. */
  | { status: 'not-member' };

/** One engine's way to store a batch in ONE transaction. Throws if nothing was stored. */
export interface MessageStore {
  writeBatch(messages: NewMessage[]): Promise<WriteOutcome[]>;
}

interface Pending {
  message: NewMessage;
  onCommitted?: (outcome: WriteOutcome) => void;
  resolve(outcome: WriteOutcome): void;
  reject(err: unknown): void;
}

/** Bounds one transaction's size (and the PostgreSQL statement's parameters). */
export const MAX_BATCH = 512;

@Injectable()
export class MessageWriter {
  private readonly store: MessageStore;
  private readonly sqlite: boolean;
  private queue: Pending[] = [];
  private scheduled = false;
  private running = false;
  /** Counters for metrics and tests. */
  readonly stats = { batches: 0, messages: 0, fallbacks: 0 };

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.sqlite = isSqlite(dataSource);
    this.store = this.sqlite ? new SqliteMessageStore(dataSource) : new PostgresMessageStore(dataSource);
  }

  /**
   * Queues `message` (synchronously: calls made in some order are stored in that order) and
   * resolves after the commit with what happened to it.
   */
  write(message: NewMessage, onCommitted?: (outcome: WriteOutcome) => void): Promise<WriteOutcome> {
    return new Promise<WriteOutcome>((resolve, reject) => {
      this.queue.push({ message, onCommitted, resolve, reject });
      if (!this.running && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.run());
      }
    });
  }

  private async run(): Promise<void> {
    this.scheduled = false;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.length <= MAX_BATCH ? this.queue : this.queue.slice(0, MAX_BATCH);
        this.queue = this.queue.length <= MAX_BATCH ? [] : this.queue.slice(MAX_BATCH);
        await this.storeBatch(batch);
      }
    } finally {
      this.running = false;
    }
  }

  /** Never throws: settles every pending write of the batch. */
  private async storeBatch(batch: Pending[]): Promise<void> {
    this.stats.batches++;
    this.stats.messages += batch.length;
    let outcomes: WriteOutcome[];
    try {
      outcomes = await this.inTransaction(batch.map((p) => p.message));
    } catch (err) {
      if (batch.length === 1) return batch[0].reject(err);
      // Nothing of the batch was committed: each message alone, so only the failing one fails.
      this.stats.fallbacks++;
      for (const p of batch) {
        try {
          settle(p, (await this.inTransaction([p.message]))[0]);
        } catch (single) {
          p.reject(single);
        }
      }
      return;
    }
    for (let i = 0; i < batch.length; i++) settle(batch[i], outcomes[i]);
  }

  private inTransaction(messages: NewMessage[]): Promise<WriteOutcome[]> {
    // SQLite: one writer per file and ONE connection shared with TypeORM: queued behind every
    // other write transaction of the app (database/write-transaction.ts).
    return this.sqlite ? runSerializedWrite(this.dataSource, () => this.store.writeBatch(messages)) : this.store.writeBatch(messages);
  }
}

function settle(p: Pending, outcome: WriteOutcome): void {
  try {
    p.onCommitted?.(outcome);
  } finally {
    p.resolve(outcome);
  }
}

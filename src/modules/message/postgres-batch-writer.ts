/**
 * PostgreSQL message writes, batched per conversation.
 *
 * Every store allocates seqs and inserts in ONE statement: `UPDATE conversations SET last_seq =
 * last_seq + n ... RETURNING` feeding a multi-row INSERT through a data-modifying CTE. The UPDATE
 * row-locks the conversation, so concurrent writers (and processes) serialize on it, and the lock
 * is held through the statement's commit, which waits for the WAL fsync. One conversation can
 * therefore commit only so many times per second; to not make its senders pay one fsync each,
 * sends for the same conversation that arrive while a write is in flight are stored together by
 * the next write (natural batching: no timer, a lone send is written at once). Within a batch,
 * seqs follow arrival order. Sends pipelined on one connection are handled one at a time, so they
 * never share a batch and keep their order.
 *
 * If a batch fails on the (sender, client id) unique index (a retry racing its original), its
 * messages are written one by one so that only the duplicate fails.
 */
import type { DataSource } from 'typeorm';
import { QueryFailedError } from 'typeorm';
import type { MessageEntity } from './entities/message.entity';

const MAX_BATCH = 100;

interface Pending {
  message: MessageEntity;
  /** Resolves with the stored seq, or undefined when the conversation does not exist. */
  resolve(seq: number | undefined): void;
  reject(err: unknown): void;
}

interface Lane {
  running: boolean;
  queue: Pending[];
}

export class PostgresBatchWriter {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly conversationsTable: string,
    private readonly messagesTable: string,
  ) {}

  /** Stores `message` (its `seq` and `sentAt` are set here); undefined if the conversation is missing. */
  write(message: MessageEntity): Promise<number | undefined> {
    return new Promise((resolve, reject) => {
      let lane = this.lanes.get(message.conversationId);
      if (!lane) this.lanes.set(message.conversationId, (lane = { running: false, queue: [] }));
      lane.queue.push({ message, resolve, reject });
      if (!lane.running) void this.drain(message.conversationId, lane);
    });
  }

  private async drain(conversationId: string, lane: Lane): Promise<void> {
    lane.running = true;
    while (lane.queue.length > 0) await this.store(lane.queue.splice(0, MAX_BATCH));
    lane.running = false;
    this.lanes.delete(conversationId);
  }

  /** Never throws: settles every pending write of the batch. */
  private async store(batch: Pending[]): Promise<void> {
    try {
      const seqs = await this.insert(batch.map((p) => p.message));
      batch.forEach((p, i) => p.resolve(seqs?.[i]));
    } catch (err) {
      if (batch.length === 1 || !isUniqueViolation(err)) {
        for (const p of batch) p.reject(err);
        return;
      }
      for (const p of batch) {
        try {
          p.resolve((await this.insert([p.message]))?.[0]);
        } catch (single) {
          p.reject(single);
        }
      }
    }
  }

  /** One statement for the whole batch; returns the seqs in batch order. */
  private async insert(messages: MessageEntity[]): Promise<number[] | undefined> {
    const now = Date.now();
    const params: unknown[] = [now, messages[0].conversationId, messages.length];
    const rows = messages.map((m, i) => {
      m.sentAt = now;
      const at = params.length;
      params.push(m.id, i + 1, m.senderId, m.clientMsgId, m.contentHash, JSON.stringify(m.content), JSON.stringify(m.attachments), JSON.stringify(m.meta));
      return `($${at + 1}::varchar, $${at + 2}::int, $${at + 3}::varchar, $${at + 4}::varchar, $${at + 5}::varchar, $${at + 6}::text, $${at + 7}::text, $${at + 8}::text)`;
    });
    const result = (await this.dataSource.query(
      `WITH s AS (UPDATE ${this.conversationsTable} SET "last_seq" = "last_seq" + $3::int, "updated_at" = $1 WHERE "id" = $2 RETURNING "last_seq") ` +
        `INSERT INTO ${this.messagesTable} ("id", "conversation_id", "seq", "sender_id", "client_msg_id", "content_hash", "content", "attachments", "meta", "sent_at") ` +
        `SELECT v.id, $2, s."last_seq" - $3::int + v.ord, v.sender_id, v.client_msg_id, v.content_hash, v.content, v.attachments, v.meta, $1 ` +
        `FROM s CROSS JOIN (VALUES ${rows.join(', ')}) AS v(id, ord, sender_id, client_msg_id, content_hash, content, attachments, meta) ` +
        `RETURNING "id", "seq"`,
      params,
    )) as { id: string; seq: number | string }[];
    if (result.length === 0) return undefined;
    const seqById = new Map(result.map((r) => [r.id, Number(r.seq)]));
    return messages.map((m) => seqById.get(m.id)!);
  }
}

export function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof QueryFailedError)) return false;
  const code = (err as QueryFailedError & { code?: string }).code ?? (err.driverError as { code?: string } | undefined)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

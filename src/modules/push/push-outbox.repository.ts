/**
 * The outbox (push_outbox) and the recovery watermarks (push_cursors). Claims are plain
 * conditional UPDATEs (`claimed_until < now`), so they work the same on SQLite and PostgreSQL and
 * across nodes: of two workers racing for a row exactly one gets it.
 */
import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { writeTransaction } from '../../database/write-transaction';
import { PushCursorEntity } from './entities/push-cursor.entity';
import { PushOutboxEntity } from './entities/push-outbox.entity';

export type OutboxRow = PushOutboxEntity;

/** The entries of one flush for one device and conversation, as the intake queues them. */
export interface QueuedPush {
  deviceId: string;
  userId: string;
  conversationId: string;
  /** The seqs of the entries (any order); the newest one's message and sender are shown. */
  seqs: number[];
  messageId: string;
  senderId: string;
  mention: boolean;
}

@Injectable()
export class PushOutboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Queues a flush in one transaction, one row per (device, conversation) however many entries
   * it holds. Only seqs above the row's `queued_seq` count (an entry seen again — live hook, then
   * the recovery scan — adds nothing); the row becomes due at `soonest`, or a coalescing window
   * after its last push, whichever is later, unless it already is due. The update is conditional
   * on the `queued_seq` it read, so two nodes queueing the same row never lose a count (the loser
   * reads again). Returns how many entries were new.
   */
  async queue(entries: QueuedPush[], soonest: number, windowMs: number): Promise<number> {
    if (entries.length === 0) return 0;
    return writeTransaction(this.dataSource, async (em) => {
      let queued = 0;
      for (const e of entries) {
        const id = `${e.deviceId}|${e.conversationId}`;
        const newest = Math.max(...e.seqs);
        for (let attempt = 0; attempt < 5; attempt++) {
          let row = await em.findOne(PushOutboxEntity, { select: { queuedSeq: true }, where: { id } });
          if (!row) {
            // Neutral until the conditional update below counts the entries (a concurrent insert by another node is fine).
            await em
              .createQueryBuilder()
              .insert()
              .into(PushOutboxEntity)
              .values({ id, deviceId: e.deviceId, userId: e.userId, conversationId: e.conversationId, queuedSeq: 0, sentSeq: 0, pending: 0, mention: 0, senderId: e.senderId, messageId: e.messageId, dueAt: null, lastSentAt: 0, claim: null, claimedUntil: 0, attempts: 0, lastError: null })
              .orIgnore()
              .execute();
            row = await em.findOne(PushOutboxEntity, { select: { queuedSeq: true }, where: { id } });
            if (!row) break;
          }
          const seen = row.queuedSeq;
          const fresh = e.seqs.filter((s) => s > seen).length;
          if (fresh === 0) break;
          const w = Math.floor(windowMs);
          const at = Math.floor(soonest);
          const updated = await em
            .createQueryBuilder()
            .update(PushOutboxEntity)
            .set({
              queuedSeq: newest,
              pending: () => `pending + ${fresh}`,
              mention: () => (e.mention ? '1' : 'mention'),
              senderId: e.senderId,
              messageId: e.messageId,
              dueAt: () => `COALESCE(due_at, CASE WHEN last_sent_at + ${w} > ${at} THEN last_sent_at + ${w} ELSE ${at} END)`,
            })
            .where('id = :id AND queued_seq = :seen', { id, seen })
            .execute();
          if ((updated.affected ?? 0) > 0) {
            queued += fresh;
            break;
          }
        }
      }
      return queued;
    });
  }

  /** Claims up to `limit` due rows for `claimMs`; returns them (only this caller has them). */
  async claim(now: number, claimMs: number, limit: number): Promise<{ token: string; rows: OutboxRow[] }> {
    const token = randomBytes(12).toString('hex');
    const repo = this.dataSource.getRepository(PushOutboxEntity);
    const candidates = await repo
      .createQueryBuilder('o')
      .select('o.id', 'id')
      .where('o.due_at IS NOT NULL AND o.due_at <= :now AND o.claimed_until < :now', { now })
      .orderBy('o.due_at', 'ASC')
      .limit(limit)
      .getRawMany<{ id: string }>();
    if (candidates.length === 0) return { token, rows: [] };
    await writeTransaction(this.dataSource, (em) =>
      em
        .createQueryBuilder()
        .update(PushOutboxEntity)
        .set({ claim: token, claimedUntil: now + claimMs })
        .where('id IN (:...ids)', { ids: candidates.map((c) => c.id) })
        .andWhere('due_at IS NOT NULL AND due_at <= :now AND claimed_until < :now', { now })
        .execute(),
    );
    return { token, rows: await repo.find({ where: { claim: token } }) };
  }

  /**
   * A push for `row` went out (or was not needed): everything up to the claimed seq is done.
   * Entries queued meanwhile (queued_seq moved) stay due, a coalescing window after this push.
   */
  async done(row: OutboxRow, token: string, now: number, windowMs: number, sent: boolean, manager?: EntityManager): Promise<void> {
    await this.inTx(manager, (em) =>
      em
        .createQueryBuilder()
        .update(PushOutboxEntity)
        .set({
          sentSeq: row.queuedSeq,
          pending: () => `pending - ${row.pending}`,
          mention: () => `CASE WHEN queued_seq > ${row.queuedSeq} THEN mention ELSE 0 END`,
          dueAt: () => `CASE WHEN queued_seq > ${row.queuedSeq} THEN ${now + (sent ? windowMs : 0)} ELSE NULL END`,
          ...(sent ? { lastSentAt: now } : {}),
          claim: null,
          claimedUntil: 0,
          attempts: 0,
          lastError: null,
        })
        .where('id = :id AND claim = :token', { id: row.id, token })
        .execute(),
    );
  }

  /** A failure to retry at `retryAt`, or (retryAt null) to give up on. */
  async failed(row: OutboxRow, token: string, retryAt: number | null, error: string, manager?: EntityManager): Promise<void> {
    if (retryAt === null) return this.done(row, token, Date.now(), 0, false, manager);
    await this.inTx(manager, (em) =>
      em
        .createQueryBuilder()
        .update(PushOutboxEntity)
        .set({ dueAt: retryAt, claim: null, claimedUntil: 0, attempts: () => 'attempts + 1', lastError: error.slice(0, 200) })
        .where('id = :id AND claim = :token', { id: row.id, token })
        .execute(),
    );
  }

  /** Runs the outcomes of one delivery round in one transaction (one commit, one place in SQLite's write queue). */
  async applyAll(outcomes: ((em: EntityManager) => Promise<unknown>)[]): Promise<void> {
    if (outcomes.length === 0) return;
    await writeTransaction(this.dataSource, async (em) => {
      for (const apply of outcomes) await apply(em);
    });
  }

  private async inTx(manager: EntityManager | undefined, work: (em: EntityManager) => Promise<unknown>): Promise<void> {
    if (manager) await work(manager);
    else await writeTransaction(this.dataSource, work);
  }

  /** Queue depth and the age of the oldest due push (metrics). */
  async stats(now: number): Promise<{ due: number; oldestDueAt: number | null }> {
    const row = await this.dataSource
      .getRepository(PushOutboxEntity)
      .createQueryBuilder('o')
      .select('COUNT(*)', 'n')
      .addSelect('MIN(o.due_at)', 'oldest')
      .where('o.due_at IS NOT NULL')
      .getRawOne<{ n: string | number; oldest: string | number | null }>();
    void now;
    return { due: Number(row?.n ?? 0), oldestDueAt: row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest) };
  }

  /** Idle rows (nothing pending) untouched for `olderThan`: forgotten, the table stays bounded. */
  async prune(before: number): Promise<void> {
    await writeTransaction(this.dataSource, (em) =>
      em
        .createQueryBuilder()
        .delete()
        .from(PushOutboxEntity)
        .where('due_at IS NULL AND last_sent_at < :before AND claimed_until < :before', { before })
        .execute(),
    );
  }

  // Recovery watermarks.

  async beat(nodeId: string, watermark: string, now: number): Promise<void> {
    await this.dataSource.getRepository(PushCursorEntity).upsert({ nodeId, watermark, beatAt: now }, ['nodeId']);
  }

  /** Nodes whose last beat is older than `staleBefore` (crashed, or stopped without a clean exit). */
  stale(staleBefore: number, self: string): Promise<PushCursorEntity[]> {
    return this.dataSource
      .getRepository(PushCursorEntity)
      .createQueryBuilder('c')
      .where('c.beat_at < :staleBefore AND c.node_id <> :self', { staleBefore, self })
      .getMany();
  }

  /** Takes a dead node's watermark: exactly one caller gets true (conditional delete). */
  async takeOver(cursor: PushCursorEntity): Promise<boolean> {
    const result = await this.dataSource
      .getRepository(PushCursorEntity)
      .createQueryBuilder()
      .delete()
      .where('node_id = :nodeId AND beat_at = :beatAt', { nodeId: cursor.nodeId, beatAt: cursor.beatAt })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async forget(nodeId: string): Promise<void> {
    await this.dataSource.getRepository(PushCursorEntity).delete({ nodeId });
  }
}

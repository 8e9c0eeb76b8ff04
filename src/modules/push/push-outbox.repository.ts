/**
 * The outbox (push_outbox) and the recovery watermarks (push_cursors). Claims are plain
 * conditional UPDATEs (`claimed_until < now`), so they work the same on SQLite and PostgreSQL and
 * across nodes: of two workers racing for a row exactly one gets it.
 */
import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { writeTransaction } from '../../database/write-transaction';
import { PushCursorEntity } from './entities/push-cursor.entity';
import { PushOutboxEntity } from './entities/push-outbox.entity';

export type OutboxRow = PushOutboxEntity;

/** One entry for one device, as the intake queues it. */
export interface QueuedPush {
  deviceId: string;
  userId: string;
  conversationId: string;
  seq: number;
  messageId: string;
  senderId: string;
  mention: boolean;
}

@Injectable()
export class PushOutboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Queues entries in one transaction. Per (device, conversation) row: an entry at or below
   * `queued_seq` was counted already (no double count when the recovery scan meets it again); a
   * newer one bumps it and makes the row due — at `soonest`, or a coalescing window after the
   * last push, whichever is later — unless it already is due. Returns how many were new.
   */
  async queue(entries: QueuedPush[], soonest: number, windowMs: number): Promise<number> {
    if (entries.length === 0) return 0;
    return writeTransaction(this.dataSource, async (em) => {
      let queued = 0;
      for (const e of entries) {
        const id = `${e.deviceId}|${e.conversationId}`;
        const bump = () =>
          em
            .createQueryBuilder()
            .update(PushOutboxEntity)
            .set({
              queuedSeq: e.seq,
              pending: () => 'pending + 1',
              mention: () => (e.mention ? '1' : 'mention'),
              senderId: e.senderId,
              messageId: e.messageId,
              dueAt: () => `COALESCE(due_at, CASE WHEN last_sent_at + ${Math.floor(windowMs)} > ${Math.floor(soonest)} THEN last_sent_at + ${Math.floor(windowMs)} ELSE ${Math.floor(soonest)} END)`,
            })
            .where('id = :id AND queued_seq < :seq', { id, seq: e.seq })
            .execute();
        const existing = await em.findOne(PushOutboxEntity, { select: { id: true }, where: { id } });
        if (!existing) {
          // A race with another node inserting the same row is settled by the bump below.
          await em
            .createQueryBuilder()
            .insert()
            .into(PushOutboxEntity)
            .values({ id, deviceId: e.deviceId, userId: e.userId, conversationId: e.conversationId, queuedSeq: e.seq - 1, sentSeq: 0, pending: 0, mention: 0, senderId: e.senderId, messageId: e.messageId, dueAt: null, lastSentAt: 0, claim: null, claimedUntil: 0, attempts: 0, lastError: null })
            .orIgnore()
            .execute();
        }
        if (((await bump()).affected ?? 0) > 0) queued++;
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
  async done(row: OutboxRow, token: string, now: number, windowMs: number, sent: boolean): Promise<void> {
    await writeTransaction(this.dataSource, (em) =>
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
  async failed(row: OutboxRow, token: string, retryAt: number | null, error: string): Promise<void> {
    if (retryAt === null) return this.done(row, token, Date.now(), 0, false);
    await writeTransaction(this.dataSource, (em) =>
      em
        .createQueryBuilder()
        .update(PushOutboxEntity)
        .set({ dueAt: retryAt, claim: null, claimedUntil: 0, attempts: () => 'attempts + 1', lastError: error.slice(0, 200) })
        .where('id = :id AND claim = :token', { id: row.id, token })
        .execute(),
    );
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

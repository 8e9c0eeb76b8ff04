/** Reactions: the only file of the module that talks to the database. */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { writeTransaction } from '../../database/write-transaction';
import { MessageReactionEntity } from './entities/message-reaction.entity';

export interface ReactionCount {
  emoji: string;
  count: number;
  me: boolean;
}

export type AddOutcome = { status: 'added' | 'unchanged'; reactedAt: number } | { status: 'limit' };

@Injectable()
export class ReactionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Adds the user's reaction unless they have it already; a new emoji on a message that already
   * carries `maxDistinct` distinct ones is refused ('limit'). Check and insert in one transaction.
   */
  add(conversationId: string, seq: number, userId: string, emoji: string, now: number, maxDistinct: number): Promise<AddOutcome> {
    return writeTransaction(this.dataSource, async (manager) => {
      const reactions = manager.getRepository(MessageReactionEntity);
      const mine = await reactions.findOneBy({ conversationId, seq, userId, emoji });
      if (mine) return { status: 'unchanged', reactedAt: mine.reactedAt };
      const used = await reactions
        .createQueryBuilder('r')
        .select('DISTINCT r.emoji', 'emoji')
        .where('r.conversationId = :conversationId AND r.seq = :seq', { conversationId, seq })
        .getRawMany<{ emoji: string }>();
      if (!used.some((r) => r.emoji === emoji) && used.length >= maxDistinct) return { status: 'limit' };
      await reactions.insert({ conversationId, seq, userId, emoji, reactedAt: now });
      return { status: 'added', reactedAt: now };
    });
  }

  /** Removes the user's reaction; returns when it had been added, or null if there was none. */
  remove(conversationId: string, seq: number, userId: string, emoji: string): Promise<number | null> {
    return writeTransaction(this.dataSource, async (manager) => {
      const reactions = manager.getRepository(MessageReactionEntity);
      const mine = await reactions.findOneBy({ conversationId, seq, userId, emoji });
      if (!mine) return null;
      const deleted = await reactions.delete({ conversationId, seq, userId, emoji });
      return deleted.affected ? mine.reactedAt : null;
    });
  }

  /** Every reaction of one message goes (the message was recalled). */
  async removeAll(conversationId: string, seq: number): Promise<void> {
    await writeTransaction(this.dataSource, (manager) => manager.getRepository(MessageReactionEntity).delete({ conversationId, seq }));
  }

  /** Per seq: counts per emoji (most used first, then the earliest used), with whether `readerId` is among them. */
  async counts(conversationId: string, seqs: number[], readerId: string): Promise<Map<number, ReactionCount[]>> {
    const out = new Map<number, ReactionCount[]>();
    if (seqs.length === 0) return out;
    const rows = await this.dataSource
      .getRepository(MessageReactionEntity)
      .createQueryBuilder('r')
      .select('r.seq', 'seq')
      .addSelect('r.emoji', 'emoji')
      .addSelect('COUNT(*)', 'n')
      .addSelect('MIN(r.reactedAt)', 'first')
      .addSelect('SUM(CASE WHEN r.userId = :readerId THEN 1 ELSE 0 END)', 'mine')
      .where({ conversationId, seq: In(seqs) })
      .setParameter('readerId', readerId)
      .groupBy('r.seq')
      .addGroupBy('r.emoji')
      .getRawMany<{ seq: number | string; emoji: string; n: number | string; first: number | string; mine: number | string }>();
    rows.sort((a, b) => Number(b.n) - Number(a.n) || Number(a.first) - Number(b.first) || (a.emoji < b.emoji ? -1 : 1));
    for (const r of rows) {
      const seq = Number(r.seq);
      let list = out.get(seq);
      if (!list) out.set(seq, (list = []));
      list.push({ emoji: r.emoji, count: Number(r.n), me: Number(r.mine) > 0 });
    }
    return out;
  }
}

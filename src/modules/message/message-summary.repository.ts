/**
 * Read-time queries behind conversation/list (MessageSummaries): the newest message of a
 * conversation, unread messages after a position, and the unread messages that may carry
 * mentions. Nothing is counted on the send path: each query walks the `(conversation_id, seq)`
 * index from the member's read position only.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource } from 'typeorm';
import { MessageEntity } from './entities/message.entity';

/** A conversation and the position after which its messages count (unread, or visible). */
export interface SeqRange {
  conversationId: string;
  after: number;
}

@Injectable()
export class MessageSummaryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The newest `message` entry after `after` (thread replies included), or null. */
  lastMessage(range: SeqRange): Promise<MessageEntity | null> {
    return this.dataSource
      .getRepository(MessageEntity)
      .createQueryBuilder('m')
      .where('m.conversationId = :cid AND m.seq > :after', { cid: range.conversationId, after: range.after })
      .andWhere("m.kind = 'message'")
      .orderBy('m.seq', 'DESC')
      .limit(1)
      .getOne();
  }

  /** Per conversation: messages after its position not sent by `userId` and not recalled. */
  async unreadCounts(userId: string, ranges: SeqRange[]): Promise<Map<string, number>> {
    if (ranges.length === 0) return new Map();
    const rows = await this.unread(userId, ranges)
      .select('m.conversationId', 'cid')
      .addSelect('COUNT(*)', 'n')
      .groupBy('m.conversationId')
      .getRawMany<{ cid: string; n: string | number }>();
    return new Map(rows.map((r) => [r.cid, Number(r.n)]));
  }

  /**
   * The unread messages whose stored content may name mentions (a substring prefilter on the
   * JSON text; the caller parses each one: text that merely contains the word is not counted).
   */
  async mentionCandidates(userId: string, ranges: SeqRange[]): Promise<{ conversationId: string; content: Record<string, unknown> }[]> {
    if (ranges.length === 0) return [];
    const rows = await this.unread(userId, ranges)
      .andWhere('m.content LIKE :needle', { needle: '%"mentions"%' })
      .select(['m.conversationId', 'm.content'])
      .getMany();
    return rows.map((r) => ({ conversationId: r.conversationId, content: r.content }));
  }

  private unread(userId: string, ranges: SeqRange[]) {
    return this.dataSource
      .getRepository(MessageEntity)
      .createQueryBuilder('m')
      .where(
        new Brackets((w) => {
          ranges.forEach((r, i) => w.orWhere(`(m.conversationId = :c${i} AND m.seq > :a${i})`, { [`c${i}`]: r.conversationId, [`a${i}`]: r.after }));
        }),
      )
      .andWhere("m.kind = 'message'")
      .andWhere('m.senderId <> :me', { me: userId })
      .andWhere('m.recalledAt IS NULL');
  }
}

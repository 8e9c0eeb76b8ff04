/**
 * Who may see whom, read from conversation_members: two users see each other's presence when
 * they share a direct conversation or a group. The `broadcast` conversation has no member rows
 * and is excluded by kind anyway.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, SelectQueryBuilder } from 'typeorm';
import { ConversationMemberEntity } from '../message/entities/conversation-member.entity';
import { ConversationEntity } from '../message/entities/conversation.entity';

@Injectable()
export class PresenceRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The push audience of `userId`: users sharing a direct conversation or a group of at most
   * `groupFanoutMax` members, ordered by id, after `afterUserId` (pagination), at most `limit`.
   * The relation is symmetric, so it is also "whose presence `userId` follows".
   */
  async audience(userId: string, groupFanoutMax: number, options: { afterUserId?: string; limit?: number } = {}): Promise<string[]> {
    const qb = this.peers(userId);
    qb.andWhere(
      new Brackets((w) => {
        w.where("c.kind = 'direct'").orWhere(
          new Brackets((g) => {
            const size = qb.subQuery().select('COUNT(*)').from(ConversationMemberEntity, 'n').where('n.conversationId = c.id').getQuery();
            g.where("c.kind = 'group'").andWhere(`${size} <= :fanoutMax`, { fanoutMax: groupFanoutMax });
          }),
        );
      }),
    );
    if (options.afterUserId !== undefined) qb.andWhere('other.userId > :after', { after: options.afterUserId });
    qb.orderBy('other.userId', 'ASC');
    if (options.limit !== undefined) qb.limit(options.limit);
    const rows = await qb.getRawMany<{ user_id: string }>();
    return rows.map((r) => r.user_id);
  }

  /** Which of `candidates` share any direct conversation or group (whatever its size) with `userId`. */
  async visibleAmong(userId: string, candidates: string[]): Promise<Set<string>> {
    const others = candidates.filter((id) => id !== userId);
    if (others.length === 0) return new Set();
    const qb = this.peers(userId).andWhere("c.kind IN ('direct', 'group')").andWhere('other.userId IN (:...others)', { others });
    const rows = await qb.getRawMany<{ user_id: string }>();
    return new Set(rows.map((r) => r.user_id));
  }

  private peers(userId: string): SelectQueryBuilder<ConversationMemberEntity> {
    return this.dataSource
      .getRepository(ConversationMemberEntity)
      .createQueryBuilder('mine')
      .innerJoin(ConversationEntity, 'c', 'c.id = mine.conversationId')
      .innerJoin(ConversationMemberEntity, 'other', 'other.conversationId = mine.conversationId AND other.userId <> mine.userId')
      .select('other.userId', 'user_id')
      .where('mine.userId = :userId', { userId })
      .groupBy('other.userId');
  }
}

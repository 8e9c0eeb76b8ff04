/**
 * The inbox side of the conversation tables: a user's conversations by latest activity
 * (conversation/list and group/list), mute state (conversation/mute) and who muted a conversation (for the push
 * work: a muted conversation notifies only on mentions). Activity is `conversations.updated_at`,
 * which every stream entry bumps in the writer's transaction (conversation-write-sql.ts bumpSeq)
 * and membership changes touch, so listing needs no query on messages.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, In } from 'typeorm';
import { writeTransaction } from '../../database/write-transaction';
import { ConversationMemberEntity, type MemberRole } from './entities/conversation-member.entity';
import { ConversationEntity, ConversationKind } from './entities/conversation.entity';

/** Stored for "muted until I unmute" (year 9999): comparisons with `now` need no special case. */
export const MUTED_FOREVER = 253_402_300_799_999;

/** One conversation of a user's inbox, with the member's positions and mute. */
export interface InboxRow {
  conversationId: string;
  kind: ConversationKind;
  name: string | null;
  /** The group's owner (null for direct conversations). */
  ownerId: string | null;
  lastSeq: number;
  historyVisibility: 'joined' | 'all';
  /** Latest activity (epoch ms): the newest stream entry or membership change. */
  activityAt: number;
  /** The member's role in the conversation. */
  role: MemberRole;
  joinedSeq: number;
  readSeq: number;
  mutedUntil: number | null;
}

/** Position after which the next page starts: (activity, id), both descending. */
export interface InboxCursor {
  activityAt: number;
  conversationId: string;
}

@Injectable()
export class ConversationInboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The user's direct and group conversations (not the broadcast one, which has no member rows),
   * most recent activity first, ties by id descending; `limit` rows after `after`.
   */
  async page(userId: string, limit: number, after?: InboxCursor): Promise<InboxRow[]> {
    const qb = this.dataSource
      .getRepository(ConversationMemberEntity)
      .createQueryBuilder('cm')
      .innerJoin(ConversationEntity, 'c', 'c.id = cm.conversationId')
      .select('cm.conversationId', 'conversationId')
      .addSelect('c.kind', 'kind')
      .addSelect('c.name', 'name')
      .addSelect('c.ownerId', 'ownerId')
      .addSelect('cm.role', 'role')
      .addSelect('c.lastSeq', 'lastSeq')
      .addSelect('c.historyVisibility', 'historyVisibility')
      .addSelect('c.updatedAt', 'activityAt')
      .addSelect('cm.joinedSeq', 'joinedSeq')
      .addSelect('cm.readSeq', 'readSeq')
      .addSelect('cm.mutedUntil', 'mutedUntil')
      .where('cm.userId = :userId', { userId })
      .andWhere("c.kind IN ('direct', 'group')");
    if (after) {
      qb.andWhere(
        new Brackets((w) => {
          w.where('c.updatedAt < :at', { at: after.activityAt }).orWhere('c.updatedAt = :at AND c.id < :cid', { cid: after.conversationId });
        }),
      );
    }
    const rows = await qb.orderBy('c.updatedAt', 'DESC').addOrderBy('c.id', 'DESC').limit(limit).getRawMany<Record<string, string | number | null>>();
    return rows.map((r) => ({
      conversationId: String(r.conversationId),
      kind: r.kind as ConversationKind,
      name: r.name === null ? null : String(r.name),
      ownerId: r.ownerId === null || r.ownerId === undefined ? null : String(r.ownerId),
      role: r.role as MemberRole,
      lastSeq: Number(r.lastSeq),
      historyVisibility: r.historyVisibility as 'joined' | 'all',
      activityAt: Number(r.activityAt),
      joinedSeq: Number(r.joinedSeq),
      readSeq: Number(r.readSeq),
      mutedUntil: r.mutedUntil === null || r.mutedUntil === undefined ? null : Number(r.mutedUntil),
    }));
  }

  /** Sets (a time, or MUTED_FOREVER) or clears (null) the member's mute; false when not a member. */
  async setMute(conversationId: string, userId: string, mutedUntil: number | null): Promise<boolean> {
    const result = await writeTransaction(this.dataSource, (em) => em.update(ConversationMemberEntity, { conversationId, userId }, { mutedUntil }));
    return (result.affected ?? 0) > 0;
  }

  /** Which of `userIds` have conversation `conversationId` muted at `now` (for notifications). */
  async mutedAmong(conversationId: string, userIds: string[], now: number): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.dataSource.getRepository(ConversationMemberEntity).find({
      where: { conversationId, userId: In(userIds) },
      select: { userId: true, mutedUntil: true },
    });
    return new Set(rows.filter((r) => r.mutedUntil !== null && r.mutedUntil !== undefined && r.mutedUntil > now).map((r) => r.userId));
  }
}

/**
 * The one owner of the `conversations` and `conversation_members` tables: group, message and
 * presence read and change conversations and memberships through here (or, inside their own
 * transactions, through a MembershipTx), never with their own queries on these tables.
 *
 * The message write path allocates seqs and creates direct conversations inside its own
 * group-commit transaction with the statements this module hands it (conversation-write-sql.ts);
 * read/delivery positions move here (moveReceipt).
 *
 * Membership changes run in `inConversation(id, kind, fn)`: one transaction that first locks the
 * conversation row (SELECT ... FOR UPDATE on PostgreSQL). message/send increments `last_seq` on
 * that same row, so a membership change and a send on one group are serialized, across
 * processes too: a member added at `last_seq = N` gets exactly the messages after N.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, EntityManager, In, SelectQueryBuilder } from 'typeorm';
import { writeTransaction } from '../../database/write-transaction';
import { ConversationMemberEntity, MemberRole } from './entities/conversation-member.entity';
import { ConversationEntity, ConversationKind } from './entities/conversation.entity';

export interface NewConversation {
  id: string;
  kind: ConversationKind;
  name: string | null;
  ownerId: string | null;
  historyVisibility: 'joined' | 'all';
  now: number;
}

/** A user's view of one conversation: membership plus the conversation's counters. */
export interface Membership {
  conversationId: string;
  kind: ConversationKind;
  lastSeq: number;
  historyVisibility: 'joined' | 'all';
  joinedSeq: number;
  deliveredSeq: number;
  readSeq: number;
}

/**
 * A conversation and a membership row as other modules see them: plain shapes, so the entity
 * classes (and with them queries on this module's tables) stay inside this module.
 */
export type ConversationRecord = Pick<ConversationEntity, keyof ConversationEntity>;
export type MemberRecord = Pick<ConversationMemberEntity, keyof ConversationMemberEntity>;

/** A member's receipt positions before and after a move. */
export interface ReceiptMove {
  previousDelivered: number;
  previousRead: number;
  delivered: number;
  read: number;
}

const ROLE_ORDER: Record<MemberRole, number> = { owner: 0, admin: 1, member: 2 };
const INSERT_CHUNK = 200;
const MEMBER_OF_ANY_CHUNK = 500;

/** The membership queries available inside a conversation transaction (row locked meanwhile). */
export class MembershipTx {
  constructor(readonly em: EntityManager) {}

  membership(conversationId: string, userId: string): Promise<ConversationMemberEntity | null> {
    return this.em.findOne(ConversationMemberEntity, { where: { conversationId, userId } });
  }

  members(conversationId: string): Promise<ConversationMemberEntity[]> {
    return this.em.find(ConversationMemberEntity, { where: { conversationId } }).then(sortMembers);
  }

  /** New members start at `joinedSeq`: nothing before it is delivered to or unread for them. */
  async insertMembers(conversationId: string, userIds: string[], role: MemberRole, joinedSeq: number, now: number): Promise<void> {
    const rows = userIds.map((userId) =>
      Object.assign(new ConversationMemberEntity(), {
        conversationId,
        userId,
        role,
        joinedSeq,
        deliveredSeq: joinedSeq,
        readSeq: joinedSeq,
        joinedAt: now,
      }),
    );
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await this.em.insert(ConversationMemberEntity, rows.slice(i, i + INSERT_CHUNK));
    }
  }

  async deleteMembers(conversationId: string, userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    await this.em.delete(ConversationMemberEntity, { conversationId, userId: In(userIds) });
  }

  async setRole(conversationId: string, userId: string, role: MemberRole): Promise<void> {
    await this.em.update(ConversationMemberEntity, { conversationId, userId }, { role });
  }

  /** Records a membership change: new owner (if any) and `updated_at` (list activity). */
  async touch(conversationId: string, now: number, ownerId?: string): Promise<void> {
    await this.em.update(ConversationEntity, { id: conversationId }, ownerId ? { updatedAt: now, ownerId } : { updatedAt: now });
  }
}

@Injectable()
export class ConversationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get isPostgres(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  /**
   * Creates the conversation and its first members atomically (`members`: role per user id, in
   * insertion order); returns the member rows.
   */
  create(conversation: NewConversation, members: { userIds: string[]; role: MemberRole }[]): Promise<ConversationMemberEntity[]> {
    return writeTransaction(this.dataSource, async (em) => {
      await em.insert(
        ConversationEntity,
        Object.assign(new ConversationEntity(), {
          id: conversation.id,
          kind: conversation.kind,
          name: conversation.name,
          ownerId: conversation.ownerId,
          lastSeq: 0,
          historyVisibility: conversation.historyVisibility,
          createdAt: conversation.now,
          updatedAt: conversation.now,
        }),
      );
      const tx = new MembershipTx(em);
      for (const group of members) await tx.insertMembers(conversation.id, group.userIds, group.role, 0, conversation.now);
      return tx.members(conversation.id);
    });
  }

  /**
   * Runs `fn` in a write transaction holding the lock on conversation `id` (of `kind`). `fn`
   * gets null when there is no such conversation; throwing inside `fn` rolls everything back.
   * The shared write-transaction helper queues it behind message writes on SQLite.
   */
  inConversation<T>(id: string, kind: ConversationKind, fn: (tx: MembershipTx, conversation: ConversationEntity | null) => Promise<T>): Promise<T> {
    return writeTransaction(this.dataSource, async (em) => {
      const qb = em.getRepository(ConversationEntity).createQueryBuilder('c').where('c.id = :id AND c.kind = :kind', { id, kind });
      // SQLite has no row locks; there the queued write transaction plays that role.
      if (this.isPostgres) qb.setLock('pessimistic_write');
      return fn(new MembershipTx(em), await qb.getOne());
    });
  }

  find(id: string, kind?: ConversationKind): Promise<ConversationEntity | null> {
    return this.dataSource.getRepository(ConversationEntity).findOne({ where: kind ? { id, kind } : { id } });
  }

  findMembership(conversationId: string, userId: string): Promise<ConversationMemberEntity | null> {
    return new MembershipTx(this.dataSource.manager).membership(conversationId, userId);
  }

  /**
   * Is the user a member of at least one of these conversations? (The file module: a file shared
   * in any of them is the user's to read.) One indexed query whatever the answer.
   */
  async isMemberOfAny(userId: string, conversationIds: string[]): Promise<boolean> {
    // Chunked: a popular file may have been shared in more conversations than one statement's
    // parameter limit allows.
    for (let i = 0; i < conversationIds.length; i += MEMBER_OF_ANY_CHUNK) {
      const row = await this.dataSource
        .getRepository(ConversationMemberEntity)
        .createQueryBuilder('m')
        .select('1', 'one')
        .where('m.userId = :userId AND m.conversationId IN (:...ids)', { userId, ids: conversationIds.slice(i, i + MEMBER_OF_ANY_CHUNK) })
        .limit(1)
        .getRawOne();
      if (row !== undefined) return true;
    }
    return false;
  }

  /** Members by role (owner, admins, members), then join time. */
  listMembers(conversationId: string): Promise<ConversationMemberEntity[]> {
    return new MembershipTx(this.dataSource.manager).members(conversationId);
  }

  /** Every conversation the user is a member of, with the counters history and sync need, by id. */
  async memberships(userId: string): Promise<Membership[]> {
    const rows = await this.dataSource
      .getRepository(ConversationMemberEntity)
      .createQueryBuilder('cm')
      .innerJoin(ConversationEntity, 'c', 'c.id = cm.conversationId')
      .select('cm.conversationId', 'conversationId')
      .addSelect('c.kind', 'kind')
      .addSelect('c.lastSeq', 'lastSeq')
      .addSelect('c.historyVisibility', 'historyVisibility')
      .addSelect('cm.joinedSeq', 'joinedSeq')
      .addSelect('cm.deliveredSeq', 'deliveredSeq')
      .addSelect('cm.readSeq', 'readSeq')
      .where('cm.userId = :userId', { userId })
      .orderBy('cm.conversationId', 'ASC')
      .getRawMany<Record<string, string | number>>();
    return rows.map((r) => ({
      conversationId: String(r.conversationId),
      kind: r.kind as ConversationKind,
      lastSeq: Number(r.lastSeq),
      historyVisibility: r.historyVisibility as 'joined' | 'all',
      joinedSeq: Number(r.joinedSeq),
      deliveredSeq: Number(r.deliveredSeq),
      readSeq: Number(r.readSeq),
    }));
  }

  /**
   * Moves a member's delivered (and, for `read`, read) position forward to `seq`; never
   * backwards (conditional updates, so concurrent acks of two devices cannot lower it).
   */
  async moveReceipt(conversationId: string, userId: string, seq: number, state: 'delivered' | 'read', before: Pick<ConversationMemberEntity, 'deliveredSeq' | 'readSeq'>): Promise<ReceiptMove> {
    const move: ReceiptMove = {
      previousDelivered: before.deliveredSeq,
      previousRead: before.readSeq,
      delivered: Math.max(before.deliveredSeq, seq),
      read: state === 'read' ? Math.max(before.readSeq, seq) : before.readSeq,
    };
    if (move.delivered === before.deliveredSeq && move.read === before.readSeq) return move;
    const forward = (column: string) => `CASE WHEN ${column} < :seq THEN :seq ELSE ${column} END`;
    // One statement, queued with the other writes on SQLite (so it never runs inside someone
    // else's open transaction); the CASEs keep it monotonic under concurrent acks.
    await writeTransaction(this.dataSource, (manager) =>
      manager
        .createQueryBuilder()
        .update(ConversationMemberEntity)
        .set(state === 'read' ? { deliveredSeq: () => forward('delivered_seq'), readSeq: () => forward('read_seq') } : { deliveredSeq: () => forward('delivered_seq') })
        .where('conversation_id = :conversationId AND user_id = :userId', { conversationId, userId })
        .setParameter('seq', seq)
        .execute(),
    );
    return move;
  }

  /** Member count per conversation. */
  async memberCounts(conversationIds: string[]): Promise<Map<string, number>> {
    if (conversationIds.length === 0) return new Map();
    const rows = await this.dataSource
      .getRepository(ConversationMemberEntity)
      .createQueryBuilder('cm')
      .select('cm.conversationId', 'cid')
      .addSelect('COUNT(*)', 'n')
      .where('cm.conversationId IN (:...ids)', { ids: conversationIds })
      .groupBy('cm.conversationId')
      .getRawMany<{ cid: string; n: string | number }>();
    return new Map(rows.map((r) => [r.cid, Number(r.n)]));
  }

  /** For direct conversations: the member other than `userId`. */
  async directPeers(conversationIds: string[], userId: string): Promise<Map<string, string>> {
    if (conversationIds.length === 0) return new Map();
    const rows = await this.dataSource.getRepository(ConversationMemberEntity).find({
      where: { conversationId: In(conversationIds) },
      select: { conversationId: true, userId: true },
    });
    return new Map(rows.filter((r) => r.userId !== userId).map((r) => [r.conversationId, r.userId]));
  }

  /**
   * Users sharing a direct conversation or a group of at most `groupSizeMax` members with
   * `userId`, ordered by id, after `afterUserId` (pagination), at most `limit`. The relation is
   * symmetric. The `broadcast` conversation has no member rows and is excluded by kind anyway.
   */
  async sharingUsers(userId: string, groupSizeMax: number, options: { afterUserId?: string; limit?: number } = {}): Promise<string[]> {
    const qb = this.peers(userId);
    qb.andWhere(
      new Brackets((w) => {
        w.where("c.kind = 'direct'").orWhere(
          new Brackets((g) => {
            const size = qb.subQuery().select('COUNT(*)').from(ConversationMemberEntity, 'n').where('n.conversationId = c.id').getQuery();
            g.where("c.kind = 'group'").andWhere(`${size} <= :fanoutMax`, { fanoutMax: groupSizeMax });
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
  async sharingAmong(userId: string, candidates: string[]): Promise<Set<string>> {
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

function sortMembers(rows: ConversationMemberEntity[]): ConversationMemberEntity[] {
  return rows.sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.joinedAt - b.joinedAt || (a.userId < b.userId ? -1 : 1));
}

/**
 * Data access for group membership and the conversation list. Services never build queries.
 *
 * Membership changes run in `inGroup(id, fn)`: one transaction that first locks the group's
 * conversation row (SELECT ... FOR UPDATE on PostgreSQL). message/send increments `last_seq` on
 * that same row, so a membership change and a send on one group are serialized, across
 * processes too: a member added at `last_seq = N` gets exactly the messages after N.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { ConversationMemberEntity, MemberRole } from '../message/entities/conversation-member.entity';
import { ConversationEntity } from '../message/entities/conversation.entity';
import { MessageEntity } from '../message/entities/message.entity';
import { writeTransaction } from '../../database/write-transaction';
import type { StoredMessage } from '../message/message.mapper';

export interface NewGroup {
  id: string;
  name: string;
  ownerId: string;
  memberIds: string[];
  historyVisibility: 'joined' | 'all';
  now: number;
}

export interface ConversationRow {
  id: string;
  kind: 'group' | 'direct';
  name: string | null;
  ownerId: string | null;
  lastSeq: number;
  role: MemberRole;
  joinedSeq: number;
  readSeq: number;
  historyVisibility: 'joined' | 'all';
  activity: number;
  lastMessage: StoredMessage | null;
}

/** Keyset position in the list ordered by (activity DESC, id DESC). */
export interface ListPosition {
  activity: number;
  id: string;
}

const ROLE_ORDER: Record<MemberRole, number> = { owner: 0, admin: 1, member: 2 };
const INSERT_CHUNK = 200;

/** The queries available inside a group transaction (the row is locked for its duration). */
export class GroupTx {
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
export class GroupRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get isPostgres(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  /** Creates the group conversation and its member rows atomically; returns the member rows. */
  createGroup(group: NewGroup): Promise<ConversationMemberEntity[]> {
    return this.transaction(async (em) => {
      await em.insert(
        ConversationEntity,
        Object.assign(new ConversationEntity(), {
          id: group.id,
          kind: 'group',
          name: group.name,
          ownerId: group.ownerId,
          lastSeq: 0,
          historyVisibility: group.historyVisibility,
          createdAt: group.now,
          updatedAt: group.now,
        }),
      );
      const tx = new GroupTx(em);
      await tx.insertMembers(group.id, [group.ownerId], 'owner', 0, group.now);
      await tx.insertMembers(group.id, group.memberIds, 'member', 0, group.now);
      return tx.members(group.id);
    });
  }

  /**
   * Runs `fn` in a transaction holding the lock on group `id`'s conversation row. `fn` gets
   * null when no group has that id; throwing inside `fn` rolls everything back.
   */
  inGroup<T>(id: string, fn: (tx: GroupTx, group: ConversationEntity | null) => Promise<T>): Promise<T> {
    return this.transaction(async (em) => {
      const qb = em.getRepository(ConversationEntity).createQueryBuilder('c').where('c.id = :id AND c.kind = :kind', { id, kind: 'group' });
      // SQLite has no row locks; there the queued write transaction plays that role.
      if (this.isPostgres) qb.setLock('pessimistic_write');
      return fn(new GroupTx(em), await qb.getOne());
    });
  }

  findGroup(id: string): Promise<ConversationEntity | null> {
    return this.dataSource.getRepository(ConversationEntity).findOne({ where: { id, kind: 'group' } });
  }

  findMembership(conversationId: string, userId: string): Promise<ConversationMemberEntity | null> {
    return new GroupTx(this.dataSource.manager).membership(conversationId, userId);
  }

  listMembers(conversationId: string): Promise<ConversationMemberEntity[]> {
    return new GroupTx(this.dataSource.manager).members(conversationId);
  }

  /**
   * One page of the user's group and direct conversations, most recent activity first. Activity
   * is the later of the last message's time and the conversation's `updated_at` (creation or
   * last membership change). The last message comes from `messages` at `seq = last_seq`.
   */
  async listConversations(userId: string, limit: number, after?: ListPosition): Promise<ConversationRow[]> {
    const activity = 'CASE WHEN m.sent_at IS NOT NULL AND m.sent_at > c.updated_at THEN m.sent_at ELSE c.updated_at END';
    const rows = await this.raw<Record<string, unknown>>(
      `SELECT c.id AS id, c.kind AS kind, c.name AS name, c.owner_id AS owner_id, c.last_seq AS last_seq,
              c.history_visibility AS history_visibility, cm.role AS role, cm.joined_seq AS joined_seq,
              cm.read_seq AS read_seq, ${activity} AS activity,
              m.id AS m_id, m.seq AS m_seq, m.sender_id AS m_sender_id, m.sent_at AS m_sent_at,
              m.content AS m_content, m.attachments AS m_attachments, m.meta AS m_meta
         FROM ${this.table(ConversationMemberEntity)} cm
         JOIN ${this.table(ConversationEntity)} c ON c.id = cm.conversation_id
         LEFT JOIN ${this.table(MessageEntity)} m ON m.conversation_id = c.id AND m.seq = c.last_seq
        WHERE cm.user_id = :userId AND c.kind IN ('group', 'direct')
          ${after ? `AND ((${activity}) < :afterActivity OR ((${activity}) = :afterActivity AND c.id < :afterId))` : ''}
        ORDER BY activity DESC, c.id DESC
        LIMIT :limit`,
      { userId, limit, afterActivity: after?.activity, afterId: after?.id },
    );
    return rows.map(toConversationRow);
  }

  /** Member count per conversation. */
  async memberCounts(conversationIds: string[]): Promise<Map<string, number>> {
    if (conversationIds.length === 0) return new Map();
    const rows = await this.raw<{ cid: string; n: string | number }>(
      `SELECT conversation_id AS cid, COUNT(*) AS n FROM ${this.table(ConversationMemberEntity)}
        WHERE conversation_id IN (:...ids) GROUP BY conversation_id`,
      { ids: conversationIds },
    );
    return new Map(rows.map((r) => [r.cid, Number(r.n)]));
  }

  /** For direct conversations: the member other than `userId`. */
  async peers(conversationIds: string[], userId: string): Promise<Map<string, string>> {
    if (conversationIds.length === 0) return new Map();
    const rows = await this.dataSource.getRepository(ConversationMemberEntity).find({
      where: { conversationId: In(conversationIds) },
      select: { conversationId: true, userId: true },
    });
    return new Map(rows.filter((r) => r.userId !== userId).map((r) => [r.conversationId, r.userId]));
  }

  /**
   * Unread messages per conversation for `userId`: messages after both the read position and the
   * join position, not sent by the user (my own messages are never unread to me).
   */
  async unreadCounts(userId: string, conversationIds: string[]): Promise<Map<string, number>> {
    if (conversationIds.length === 0) return new Map();
    const rows = await this.raw<{ cid: string; n: string | number }>(
      `SELECT m.conversation_id AS cid, COUNT(*) AS n
         FROM ${this.table(MessageEntity)} m
         JOIN ${this.table(ConversationMemberEntity)} cm ON cm.conversation_id = m.conversation_id AND cm.user_id = :userId
        WHERE m.conversation_id IN (:...ids) AND m.seq > cm.read_seq AND m.seq > cm.joined_seq AND m.sender_id <> :userId
        GROUP BY m.conversation_id`,
      { userId, ids: conversationIds },
    );
    return new Map(rows.map((r) => [r.cid, Number(r.n)]));
  }

  /**
   * The shared write-transaction helper: on SQLite it queues group transactions behind message
   * transactions (one writer, one TypeORM query runner), on PostgreSQL it is a plain transaction.
   */
  private transaction<T>(fn: (em: EntityManager) => Promise<T>): Promise<T> {
    return writeTransaction(this.dataSource, fn);
  }

  /** Schema-qualified, quoted table name (PostgreSQL tests run in their own schema). */
  private table(entity: Function): string {
    const metadata = this.dataSource.getMetadata(entity);
    const escape = (name: string) => this.dataSource.driver.escape(name);
    return metadata.schema ? `${escape(metadata.schema)}.${escape(metadata.tableName)}` : escape(metadata.tableName);
  }

  /** Raw SQL with `:name` / `:...list` parameters, translated to the driver's placeholders. */
  private raw<T>(sql: string, params: Record<string, unknown>): Promise<T[]> {
    const defined = Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined));
    const [query, values] = this.dataSource.driver.escapeQueryWithParameters(sql, defined);
    return this.dataSource.query(query, values);
  }
}

function sortMembers(rows: ConversationMemberEntity[]): ConversationMemberEntity[] {
  return rows.sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.joinedAt - b.joinedAt || (a.userId < b.userId ? -1 : 1));
}

function json<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

function toConversationRow(r: Record<string, unknown>): ConversationRow {
  return {
    id: r.id as string,
    kind: r.kind as 'group' | 'direct',
    name: (r.name as string | null) ?? null,
    ownerId: (r.owner_id as string | null) ?? null,
    lastSeq: Number(r.last_seq),
    role: r.role as MemberRole,
    joinedSeq: Number(r.joined_seq),
    readSeq: Number(r.read_seq),
    historyVisibility: r.history_visibility === 'all' ? 'all' : 'joined',
    activity: Number(r.activity),
    lastMessage:
      r.m_id === null || r.m_id === undefined
        ? null
        : {
            id: r.m_id as string,
            conversationId: r.id as string,
            seq: Number(r.m_seq),
            senderId: r.m_sender_id as string,
            sentAt: Number(r.m_sent_at),
            content: json(r.m_content, {}),
            attachments: json(r.m_attachments, []),
            meta: json(r.m_meta, {}),
          },
  };
}

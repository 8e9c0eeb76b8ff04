/**
 * group/list's query: the user's group and direct conversations with their last message and
 * unread counts. It joins the conversation module's tables (read-only, through the entities it
 * exports) with the message module's; every write to conversations and memberships goes through
 * ConversationRepository. Services never build queries.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConversationEntity, ConversationMemberEntity, type MemberRole } from '../conversation';
import { MessageEntity, type StoredMessage } from '../message';

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

@Injectable()
export class GroupRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

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

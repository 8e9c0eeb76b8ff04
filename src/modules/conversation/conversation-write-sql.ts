/**
 * The statements the message module's group-commit writer runs on this module's tables inside
 * its own transaction: membership check, lazy creation of direct/broadcast conversations and
 * seq allocation must share the message insert's transaction (one commit per batch), so this
 * module hands over its SQL instead of running it. The writer never writes these tables' SQL
 * itself; nothing else runs these statements.
 *
 * Rows read: conversations (`id`, `kind`, `last_seq`), members (`conversation_id`, `user_id`).
 */
import type { DataSource } from 'typeorm';
import { quotedTable } from '../../database/quoted-table';
import { ConversationMemberEntity } from './entities/conversation-member.entity';
import { ConversationEntity } from './entities/conversation.entity';

/** better-sqlite3 prepared statements (positional `?`). */
export interface SqliteConversationWriteSql {
  /** (id) → { kind, last_seq } */
  conversation: string;
  /** (id, kind, history_visibility, created_at, updated_at); no-op if it exists. */
  createConversation: string;
  /** (conversation_id, user_id, joined_at); no-op if present. */
  addMember: string;
  /** (conversation_id) → { user_id }[] */
  members: string;
  /** (last_seq, updated_at, id) */
  bumpSeq: string;
}

/** node-postgres statements (arrays through unnest). */
export interface PostgresConversationWriteSql {
  /** Locks conversation rows in id order → { id, kind, last_seq }; `%s` is the id array (parameter or literal). */
  lockRows: string;
  /** ($1 ids, $2 kinds, $3 history visibilities, $4 now); no-op for existing ones. */
  createConversations: string;
  /** ($1 conversation ids, $2 user ids, $3 now), pairwise; no-op for existing ones. */
  addMembers: string;
  /** ($1 conversation ids) → { conversation_id, user_id }[] */
  membersOf: string;
  /**
   * An UPDATE setting each conversation's last_seq (the ids and seqs arrays at parameters `ids`
   * and `seqs`, `updated_at` at `now`) when `condition` holds: the writer uses it as a CTE of its
   * insert statement, so the bump commits with the messages or not at all.
   */
  bumpSeq(params: { ids: number; seqs: number; now: number }, condition: string): string;
}

export function sqliteConversationWriteSql(dataSource: DataSource): SqliteConversationWriteSql {
  const conversations = quotedTable(dataSource, ConversationEntity);
  const members = quotedTable(dataSource, ConversationMemberEntity);
  return {
    conversation: `SELECT "kind", "last_seq" FROM ${conversations} WHERE "id" = ?`,
    createConversation: `INSERT INTO ${conversations} ("id", "kind", "name", "owner_id", "last_seq", "history_visibility", "created_at", "updated_at") VALUES (?, ?, NULL, NULL, 0, ?, ?, ?) ON CONFLICT DO NOTHING`,
    addMember: `INSERT INTO ${members} ("conversation_id", "user_id", "role", "joined_seq", "delivered_seq", "read_seq", "joined_at") VALUES (?, ?, 'member', 0, 0, 0, ?) ON CONFLICT DO NOTHING`,
    members: `SELECT "user_id" FROM ${members} WHERE "conversation_id" = ?`,
    bumpSeq: `UPDATE ${conversations} SET "last_seq" = ?, "updated_at" = ? WHERE "id" = ?`,
  };
}

export function postgresConversationWriteSql(dataSource: DataSource): PostgresConversationWriteSql {
  const conversations = quotedTable(dataSource, ConversationEntity);
  const members = quotedTable(dataSource, ConversationMemberEntity);
  return {
    lockRows: `SELECT "id", "kind", "last_seq" FROM ${conversations} WHERE "id" = ANY(%s::varchar[]) ORDER BY "id" FOR UPDATE`,
    createConversations:
      `INSERT INTO ${conversations} ("id", "kind", "name", "owner_id", "last_seq", "history_visibility", "created_at", "updated_at") ` +
      `SELECT id, kind, NULL, NULL, 0, vis, $4, $4 FROM unnest($1::varchar[], $2::varchar[], $3::varchar[]) AS v(id, kind, vis) ON CONFLICT DO NOTHING`,
    addMembers:
      `INSERT INTO ${members} ("conversation_id", "user_id", "role", "joined_seq", "delivered_seq", "read_seq", "joined_at") ` +
      `SELECT c, u, 'member', 0, 0, 0, $3 FROM unnest($1::varchar[], $2::varchar[]) AS v(c, u) ON CONFLICT DO NOTHING`,
    membersOf: `SELECT "conversation_id", "user_id" FROM ${members} WHERE "conversation_id" = ANY($1::varchar[])`,
    bumpSeq: (p, condition) =>
      `UPDATE ${conversations} AS c SET "last_seq" = v.seq, "updated_at" = $${p.now} FROM unnest($${p.ids}::varchar[], $${p.seqs}::int[]) AS v(id, seq) WHERE c."id" = v.id AND ${condition}`,
  };
}

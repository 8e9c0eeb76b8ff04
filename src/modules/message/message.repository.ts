/**
 * Every query of the message module. Services never build queries; the few raw statements
 * (sequence allocation) use schema-qualified table names and the engine's placeholders because
 * TypeORM does not set PostgreSQL's search_path to the configured schema.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, EntityTarget } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { isSqlite, writeTransaction } from '../../database/write-transaction';
import { ConversationEntity, type ConversationKind, ConversationMemberEntity } from '../conversation';
import { MessageEntity } from './entities/message.entity';
import { isUniqueViolation, PostgresBatchWriter } from './postgres-batch-writer';

export interface NewMessage {
  id: string;
  conversationId: string;
  kind: ConversationKind;
  /** Direct conversations: both user ids, to create the conversation lazily. */
  directMembers?: [string, string];
  senderId: string;
  clientMsgId: string;
  contentHash: string;
  content: Record<string, unknown>;
  attachments: Record<string, unknown>[];
  meta: Record<string, unknown>;
}

/** A group vanished between the membership check and the insert. */
export class ConversationMissingError extends Error {
  constructor(readonly conversationId: string) {
    super(`conversation ${conversationId} does not exist`);
  }
}

export type AppendResult = { stored: MessageEntity; duplicate: false } | { stored: MessageEntity; duplicate: true };

/** The user's view of one conversation: membership plus the conversation's counters. */
export interface Membership {
  conversationId: string;
  kind: ConversationKind;
  lastSeq: number;
  historyVisibility: 'joined' | 'all';
  joinedSeq: number;
  deliveredSeq: number;
  readSeq: number;
}

export interface ReceiptMove {
  previousDelivered: number;
  previousRead: number;
  delivered: number;
  read: number;
}

@Injectable()
export class MessageRepository {
  private pgWriter?: PostgresBatchWriter;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  get engine(): 'sqlite' | 'postgres' {
    return isSqlite(this.dataSource) ? 'sqlite' : 'postgres';
  }

  findConversation(id: string): Promise<ConversationEntity | null> {
    return this.dataSource.getRepository(ConversationEntity).findOneBy({ id });
  }

  findMember(conversationId: string, userId: string): Promise<ConversationMemberEntity | null> {
    return this.dataSource.getRepository(ConversationMemberEntity).findOneBy({ conversationId, userId });
  }

  async memberIds(conversationId: string): Promise<string[]> {
    const rows = await this.dataSource
      .getRepository(ConversationMemberEntity)
      .createQueryBuilder('cm')
      .select('cm.userId', 'userId')
      .where('cm.conversationId = :conversationId', { conversationId })
      .getRawMany<{ userId: string }>();
    return rows.map((r) => r.userId);
  }

  findByClientId(senderId: string, clientMsgId: string): Promise<MessageEntity | null> {
    return this.dataSource.getRepository(MessageEntity).findOneBy({ senderId, clientMsgId });
  }

  findInConversation(conversationId: string, messageId: string): Promise<MessageEntity | null> {
    return this.dataSource.getRepository(MessageEntity).findOneBy({ conversationId, id: messageId });
  }

  /**
   * Stores a message with the next seq of its conversation.
   *
   * PostgreSQL: ONE autocommit statement, `UPDATE conversations SET last_seq = last_seq + n ...
   * RETURNING` feeding the INSERT through a data-modifying CTE, batching the sends of a
   * conversation that arrive while its previous write is in flight (see PostgresBatchWriter).
   * The UPDATE row-locks the conversation, so concurrent senders (and processes) serialize on it;
   * the lock is held for that statement and its commit only, never across a round trip through
   * Node. A concurrent identical send surfaces as a unique violation (the caller re-reads the
   * winner).
   *
   * SQLite: the same two steps in a queued write transaction (single writer); inside it the
   * dedup check is authoritative, so an identical concurrent send answers `duplicate`.
   *
   * A direct or broadcast conversation is created (idempotently, in its own write) only when the
   * update finds no row.
   */
  async append(message: NewMessage): Promise<AppendResult> {
    for (let attempt = 0; ; attempt++) {
      const stored = Object.assign(new MessageEntity(), {
        id: message.id,
        conversationId: message.conversationId,
        seq: 0,
        senderId: message.senderId,
        clientMsgId: message.clientMsgId,
        contentHash: message.contentHash,
        content: message.content,
        attachments: message.attachments,
        meta: message.meta,
        sentAt: Date.now(),
      });
      const result = this.engine === 'postgres' ? await this.appendPostgres(stored) : await this.appendSqlite(stored);
      if (result) return result;
      if (message.kind === 'group' || attempt > 0) throw new ConversationMissingError(message.conversationId);
      await writeTransaction(this.dataSource, (manager) => this.ensureConversation(manager, message, Date.now()));
    }
  }

  private async appendPostgres(m: MessageEntity): Promise<AppendResult | undefined> {
    this.pgWriter ??= new PostgresBatchWriter(this.dataSource, this.table(ConversationEntity), this.table(MessageEntity));
    const seq = await this.pgWriter.write(m);
    if (seq === undefined) return undefined;
    m.seq = seq;
    return { stored: m, duplicate: false };
  }

  private appendSqlite(m: MessageEntity): Promise<AppendResult | undefined> {
    return writeTransaction(this.dataSource, async (manager) => {
      const existing = await manager.getRepository(MessageEntity).findOneBy({ senderId: m.senderId, clientMsgId: m.clientMsgId });
      if (existing) return { stored: existing, duplicate: true as const };
      const result = await manager.queryRunner!.query(
        `UPDATE ${this.table(ConversationEntity)} SET "last_seq" = "last_seq" + 1, "updated_at" = ? WHERE "id" = ? RETURNING "last_seq"`,
        [m.sentAt, m.conversationId],
        true,
      );
      const row = (result.records as { last_seq: number }[])[0];
      if (!row) return undefined;
      m.seq = Number(row.last_seq);
      // JSON columns go through their transformers; TypeORM's deep-partial type cannot express that.
      await manager.insert(MessageEntity, m as QueryDeepPartialEntity<MessageEntity>);
      return { stored: m, duplicate: false as const };
    });
  }

  /**
   * Frees a sender's client id whose dedup window has passed, so it can name a new message
   * ('~' + the old message id cannot collide with a client id of this sender in practice).
   */
  async releaseClientId(messageId: string): Promise<void> {
    await writeTransaction(this.dataSource, (manager) => manager.update(MessageEntity, { id: messageId }, { clientMsgId: `~${messageId}` }));
  }

  private async ensureConversation(manager: EntityManager, message: NewMessage, now: number): Promise<void> {
    await manager
      .createQueryBuilder()
      .insert()
      .into(ConversationEntity)
      .values({ id: message.conversationId, kind: message.kind, name: null, ownerId: null, lastSeq: 0, historyVisibility: message.kind === 'broadcast' ? 'all' : 'joined', createdAt: now, updatedAt: now })
      .orIgnore()
      .execute();
    if (message.directMembers) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(ConversationMemberEntity)
        .values(message.directMembers.map((userId) => ({ conversationId: message.conversationId, userId, role: 'member' as const, joinedSeq: 0, deliveredSeq: 0, readSeq: 0, joinedAt: now })))
        .orIgnore()
        .execute();
    }
  }

  private table(entity: EntityTarget<unknown>): string {
    const metadata = this.dataSource.getMetadata(entity);
    const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
    return metadata.schema ? `${quote(metadata.schema)}.${quote(metadata.tableName)}` : quote(metadata.tableName);
  }

  // -- reading ---------------------------------------------------------------------------------

  /** Messages with `after < seq < before` of one conversation, `limit` of them from the given end. */
  range(conversationId: string, after: number, before: number, limit: number, from: 'oldest' | 'newest'): Promise<MessageEntity[]> {
    return this.dataSource
      .getRepository(MessageEntity)
      .createQueryBuilder('m')
      .where('m.conversationId = :conversationId', { conversationId })
      .andWhere('m.seq > :after', { after })
      .andWhere('m.seq < :before', { before })
      .orderBy('m.seq', from === 'oldest' ? 'ASC' : 'DESC')
      .limit(limit)
      .getMany();
  }

  /** Every conversation the user is a member of, with the counters history and sync need. */
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
   * The oldest messages the user has not acknowledged as delivered, from others, in the
   * conversations they are a member of (never before they joined), by conversation then seq.
   */
  undelivered(userId: string, limit: number): Promise<MessageEntity[]> {
    return this.dataSource
      .getRepository(MessageEntity)
      .createQueryBuilder('m')
      .innerJoin(ConversationMemberEntity, 'cm', 'cm.conversationId = m.conversationId AND m.seq > cm.deliveredSeq AND m.seq > cm.joinedSeq')
      .where('cm.userId = :userId', { userId })
      .andWhere('m.senderId <> :userId', { userId })
      .orderBy('m.conversationId', 'ASC')
      .addOrderBy('m.seq', 'ASC')
      .limit(limit)
      .getMany();
  }

  // -- receipts --------------------------------------------------------------------------------

  /**
   * Moves a member's delivered (and, for `read`, read) position forward to `seq`; never
   * backwards (conditional updates, so concurrent acks of two devices cannot lower it).
   */
  async moveReceipt(conversationId: string, userId: string, seq: number, state: 'delivered' | 'read', before: ConversationMemberEntity): Promise<ReceiptMove> {
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

  /** For each sender other than `exceptUser`, their newest message with `after < seq <= upTo`. */
  async newestPerSender(conversationId: string, after: number, upTo: number, exceptUser: string): Promise<{ senderId: string; seq: number; messageId: string }[]> {
    const rows = await this.dataSource
      .getRepository(MessageEntity)
      .createQueryBuilder('m')
      .select('m.senderId', 'senderId')
      .addSelect('MAX(m.seq)', 'seq')
      .where('m.conversationId = :conversationId', { conversationId })
      .andWhere('m.seq > :after AND m.seq <= :upTo', { after, upTo })
      .andWhere('m.senderId <> :exceptUser', { exceptUser })
      .groupBy('m.senderId')
      .getRawMany<{ senderId: string; seq: number | string }>();
    if (rows.length === 0) return [];
    const seqs = rows.map((r) => Number(r.seq));
    const messages = await this.dataSource
      .getRepository(MessageEntity)
      .createQueryBuilder('m')
      .select(['m.id', 'm.seq'])
      .where('m.conversationId = :conversationId', { conversationId })
      .andWhere('m.seq IN (:...seqs)', { seqs })
      .getMany();
    const idBySeq = new Map(messages.map((m) => [m.seq, m.id]));
    return rows.map((r) => ({ senderId: r.senderId, seq: Number(r.seq), messageId: idBySeq.get(Number(r.seq)) ?? '' }));
  }

  /** Is this a unique-index violation (a concurrent identical send won the race)? */
  static isUniqueViolation(err: unknown): boolean {
    return isUniqueViolation(err);
  }
}

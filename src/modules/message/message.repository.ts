/**
 * The message module's queries off the send path (history, sync, receipts). Services never build
 * queries. Storing messages is the MessageWriter's (group commit, prepared statements).
 *
 * It reads and writes the `messages` table only: conversations, memberships and read/delivery
 * positions come from the conversation module's ConversationRepository (their one owner).
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, EntityManager } from 'typeorm';
import { isSqlite, writeTransaction } from '../../database/write-transaction';
import { ConversationRepository, type Membership, type ReceiptMove } from '../conversation';
import { MessageEntity } from './entities/message.entity';
import { quotedTable } from '../../database/quoted-table';

export type { Membership, ReceiptMove } from '../conversation';

/** Conversations per undelivered query (two parameters each). */
const UNDELIVERED_CHUNK = 200;

@Injectable()
export class MessageRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly conversations: ConversationRepository,
  ) {}

  get engine(): 'sqlite' | 'postgres' {
    return isSqlite(this.dataSource) ? 'sqlite' : 'postgres';
  }

  findConversation(id: string) {
    return this.conversations.find(id);
  }

  findMember(conversationId: string, userId: string) {
    return this.conversations.findMembership(conversationId, userId);
  }

  findByClientId(senderId: string, clientMsgId: string): Promise<MessageEntity | null> {
    return this.dataSource.getRepository(MessageEntity).findOneBy({ senderId, clientMsgId });
  }

  /** Committed entries with ids in (afterId, upToId], in id order (the primary key): CommittedEntries.scan. */
  scan(afterId: string, upToId: string, limit: number): Promise<MessageEntity[]> {
    return this.dataSource
      .getRepository(MessageEntity)
      .createQueryBuilder('m')
      .where('m.id > :afterId AND m.id <= :upToId', { afterId, upToId })
      .orderBy('m.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  findById(id: string): Promise<MessageEntity | null> {
    return this.dataSource.getRepository(MessageEntity).findOneBy({ id });
  }

  findBySeq(conversationId: string, seq: number): Promise<MessageEntity | null> {
    return this.dataSource.getRepository(MessageEntity).findOneBy({ conversationId, seq });
  }

  findInConversation(conversationId: string, messageId: string): Promise<MessageEntity | null> {
    return this.dataSource.getRepository(MessageEntity).findOneBy({ conversationId, id: messageId });
  }

  /**
   * Frees a sender's client id whose dedup window has passed, so it can name a new message
   * ('~' + the old message id cannot collide with a client id of this sender in practice).
   */
  async releaseClientId(messageId: string): Promise<void> {
    await writeTransaction(this.dataSource, (manager) => manager.update(MessageEntity, { id: messageId }, { clientMsgId: `~${messageId}` }));
  }

  // -- changes (message/edit, message/recall) -------------------------------------------------

  /**
   * Applies the edit announced by the stream entry at `entrySeq`: the content changes only if no
   * later edit was applied already (concurrent edits converge on the stream's order), and the
   * count is the number of edit entries about the message, so applying one twice (a retry)
   * changes nothing. A recalled message stays erased.
   */
  async applyEdit(messageId: string, conversationId: string, seq: number, entrySeq: number, contentJson: string, editedAt: number): Promise<boolean> {
    const messages = quotedTable(this.dataSource, MessageEntity);
    const newer = `("edit_seq" IS NULL OR "edit_seq" < :entrySeq)`;
    const result = await writeTransaction(this.dataSource, (manager) =>
      manager
        .createQueryBuilder()
        .update(MessageEntity)
        .set({
          content: () => `CASE WHEN ${newer} THEN :content ELSE "content" END`,
          editedAt: () => `CASE WHEN ${newer} THEN :editedAt ELSE "edited_at" END`,
          editSeq: () => `CASE WHEN ${newer} THEN :entrySeq ELSE "edit_seq" END`,
          editCount: () => `(SELECT COUNT(*) FROM ${messages} e WHERE e."conversation_id" = :conversationId AND e."ref_seq" = :seq AND e."kind" = 'message.edited')`,
        })
        .where('"id" = :messageId AND "recalled_at" IS NULL', { messageId })
        .setParameters({ entrySeq, content: contentJson, editedAt, conversationId, seq })
        .execute(),
    );
    // false: the message was recalled meanwhile (the caller erases the edit entry it just added).
    return !!result.affected;
  }

  /**
   * Erases a message: content, attachments, meta and content hash (a hash would let anyone
   * confirm a guess of a short secret), and the content its `message.edited` entries carried.
   * Returns false when it was recalled already (by anyone).
   */
  async erase(message: MessageEntity, recalledBy: string, recalledAt: number, recalledContent: Record<string, unknown>, editTombstone: (data: Record<string, unknown>) => Record<string, unknown>): Promise<boolean> {
    return writeTransaction(this.dataSource, async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .update(MessageEntity)
        .set({ content: recalledContent as never, attachments: [], meta: {}, contentHash: '', recalledBy, recalledAt })
        .where('"id" = :id AND "recalled_at" IS NULL', { id: message.id })
        .execute();
      if (!result.affected) return false;
      await this.eraseEditsIn(manager, message, editTombstone);
      return true;
    });
  }

  /** Erases the content the message's `message.edited` entries carry (an edit that raced a recall). */
  eraseEdits(message: MessageEntity, editTombstone: (data: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
    return writeTransaction(this.dataSource, (manager) => this.eraseEditsIn(manager, message, editTombstone));
  }

  private async eraseEditsIn(manager: EntityManager, message: MessageEntity, editTombstone: (data: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
    const edits = await manager
      .getRepository(MessageEntity)
      .createQueryBuilder('m')
      .where('m.conversationId = :conversationId AND m.refSeq = :seq AND m.kind = :kind', { conversationId: message.conversationId, seq: message.seq, kind: 'message.edited' })
      .getMany();
    for (const edit of edits) await manager.update(MessageEntity, { id: edit.id }, { content: editTombstone(edit.content) as never, contentHash: '' });
  }

  /** The entries of a conversation about the entry at `refSeq` (tests, hooks), oldest first. */
  entriesAbout(conversationId: string, refSeq: number, kind: string): Promise<MessageEntity[]> {
    return this.dataSource.getRepository(MessageEntity).find({ where: { conversationId, refSeq, kind }, order: { seq: 'ASC' } });
  }

  // -- reading ---------------------------------------------------------------------------------

  /**
   * Messages with `after < seq < before` of one conversation, `limit` of them from the given end;
   * `withoutThreadReplies` leaves out messages that are thread replies (entries stay).
   */
  range(conversationId: string, after: number, before: number, limit: number, from: 'oldest' | 'newest', withoutThreadReplies = false): Promise<MessageEntity[]> {
    const query = this.dataSource
      .getRepository(MessageEntity)
      .createQueryBuilder('m')
      .where('m.conversationId = :conversationId', { conversationId })
      .andWhere('m.seq > :after', { after })
      .andWhere('m.seq < :before', { before });
    if (withoutThreadReplies) query.andWhere("(m.refSeq IS NULL OR m.kind <> 'message')");
    return query
      .orderBy('m.seq', from === 'oldest' ? 'ASC' : 'DESC')
      .limit(limit)
      .getMany();
  }

  /** The replies of the thread rooted at `rootSeq` with seq > `after`, oldest first. */
  threadReplies(conversationId: string, rootSeq: number, after: number, limit: number): Promise<MessageEntity[]> {
    return this.dataSource
      .getRepository(MessageEntity)
      .createQueryBuilder('m')
      .where('m.conversationId = :conversationId AND m.refSeq = :rootSeq AND m.kind = :kind', { conversationId, rootSeq, kind: 'message' })
      .andWhere('m.seq > :after', { after })
      .orderBy('m.seq', 'ASC')
      .limit(limit)
      .getMany();
  }

  /**
   * Per thread root of `rootSeqs`: its replies (recalled ones included: they keep their place),
   * the newest reply's time and the repliers, first replier first.
   */
  async threadSummaries(conversationId: string, rootSeqs: number[]): Promise<Map<number, { count: number; last: number; participants: string[] }>> {
    const out = new Map<number, { count: number; last: number; participants: string[] }>();
    if (rootSeqs.length === 0) return out;
    const rows = await this.dataSource
      .getRepository(MessageEntity)
      .createQueryBuilder('m')
      .select('m.refSeq', 'root')
      .addSelect('m.senderId', 'sender')
      .addSelect('COUNT(*)', 'n')
      .addSelect('MAX(m.sentAt)', 'last')
      .addSelect('MIN(m.seq)', 'first')
      .where('m.conversationId = :conversationId AND m.refSeq IN (:...rootSeqs) AND m.kind = :kind', { conversationId, rootSeqs, kind: 'message' })
      .groupBy('m.refSeq')
      .addGroupBy('m.senderId')
      .getRawMany<{ root: number | string; sender: string; n: number | string; last: number | string; first: number | string }>();
    rows.sort((a, b) => Number(a.first) - Number(b.first));
    for (const r of rows) {
      const root = Number(r.root);
      let summary = out.get(root);
      if (!summary) out.set(root, (summary = { count: 0, last: 0, participants: [] }));
      summary.count += Number(r.n);
      summary.last = Math.max(summary.last, Number(r.last));
      summary.participants.push(r.sender);
    }
    return out;
  }

  /** Every conversation the user is a member of, with the counters history and sync need. */
  memberships(userId: string): Promise<Membership[]> {
    return this.conversations.memberships(userId);
  }

  /**
   * The oldest messages the user has not acknowledged as delivered, from others, in the
   * conversations they are a member of (never before they joined), by conversation then seq.
   */
  async undelivered(userId: string, limit: number): Promise<MessageEntity[]> {
    // Positions from the conversation module; only conversations with something after them.
    const pending = (await this.conversations.memberships(userId))
      .filter((m) => m.lastSeq > Math.max(m.deliveredSeq, m.joinedSeq))
      .map((m) => ({ id: m.conversationId, after: Math.max(m.deliveredSeq, m.joinedSeq) }));
    const found: MessageEntity[] = [];
    // In id order, a bounded number of conversations per query, until the page is full.
    for (let i = 0; i < pending.length && found.length < limit; i += UNDELIVERED_CHUNK) {
      const chunk = pending.slice(i, i + UNDELIVERED_CHUNK);
      const qb = this.dataSource.getRepository(MessageEntity).createQueryBuilder('m').where('m.senderId <> :userId', { userId });
      qb.andWhere(
        new Brackets((w) => chunk.forEach((c, k) => w.orWhere(`(m.conversationId = :c${k} AND m.seq > :s${k})`, { [`c${k}`]: c.id, [`s${k}`]: c.after }))),
      );
      found.push(...(await qb.orderBy('m.conversationId', 'ASC').addOrderBy('m.seq', 'ASC').limit(limit - found.length).getMany()));
    }
    return found;
  }

  // -- receipts --------------------------------------------------------------------------------

  /** The conversation module moves read/delivery positions (monotonic). */
  moveReceipt(conversationId: string, userId: string, seq: number, state: 'delivered' | 'read', before: { deliveredSeq: number; readSeq: number }): Promise<ReceiptMove> {
    return this.conversations.moveReceipt(conversationId, userId, seq, state, before);
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
}

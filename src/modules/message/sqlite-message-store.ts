/**
 * The SQLite side of group commit: one better-sqlite3 transaction per batch with prepared
 * statements, run synchronously (nothing else can touch the connection meanwhile).
 *
 * Per message: the conversation row (created for a first direct/broadcast message) and, for a
 * group, its members are read once per batch; the insert carries the duplicate check
 * (`ON CONFLICT (sender_id, client_msg_id) DO NOTHING`; no change = a retry, answered with the
 * stored message), and a message that is not stored takes no seq (gap-free). Each conversation's
 * `last_seq` is written once at the end.
 */
import type { DataSource } from 'typeorm';
import { sqliteConversationWriteSql } from '../conversation';
import { quotedTable } from '../../database/quoted-table';
import { MessageEntity } from './entities/message.entity';
import { clientKey, fromRow, isEntryInsert, MESSAGE_COLUMNS, MESSAGE_ENTRY_COLUMNS, MESSAGE_SELECT_COLUMNS, MessageRow, messageJson, storedEntity } from './message-rows';
import type { MessageStore, NewMessage, WriteOutcome } from './message-writer';

/** The part of better-sqlite3's API used here (the package ships no typings). */
interface Statement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface Database {
  prepare(sql: string): Statement;
  transaction<T>(fn: () => T): () => T;
  readonly inTransaction: boolean;
}

interface Conversation {
  lastSeq: number;
  dirty: boolean;
  /** Members of a group (read in this transaction); undefined for direct and broadcast. */
  members?: Set<string>;
  recipients: string[] | undefined;
}

interface Statements {
  conversation: Statement;
  createConversation: Statement;
  addMember: Statement;
  members: Statement;
  insert: Statement;
  insertEntry: Statement;
  byClientId: Statement;
  bumpSeq: Statement;
}

export class SqliteMessageStore implements MessageStore {
  private prepared?: { db: Database; statements: Statements };

  constructor(private readonly dataSource: DataSource) {}

  async writeBatch(messages: NewMessage[]): Promise<WriteOutcome[]> {
    const db = (this.dataSource.driver as unknown as { databaseConnection: Database }).databaseConnection;
    // A TypeORM transaction started outside the write queue (none on the message path) would
    // swallow ours as a savepoint: wait for it to end instead.
    while (db.inTransaction) await new Promise((resolve) => setImmediate(resolve));
    const s = this.statements(db);
    return db.transaction(() => this.store(s, messages, Date.now()))();
  }

  private store(s: Statements, messages: NewMessage[], now: number): WriteOutcome[] {
    const conversations = new Map<string, Conversation | null>();
    const firstOf = new Map<string, number>();
    const out: WriteOutcome[] = new Array<WriteOutcome>(messages.length);
    const repeats: [number, number][] = [];
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i];
      const key = clientKey(m);
      const first = firstOf.get(key);
      if (first !== undefined) {
        repeats.push([i, first]);
        continue;
      }
      firstOf.set(key, i);
      let c = conversations.get(m.conversationId);
      if (c === undefined) conversations.set(m.conversationId, (c = this.conversation(s, m, now)));
      if (c === null || (c.members !== undefined && !c.members.has(m.senderId))) {
        // A retry is answered from storage even if the sender has left the group since.
        const existing = s.byClientId.get(m.senderId, m.clientMsgId) as MessageRow | undefined;
        out[i] = existing ? { status: 'duplicate', stored: fromRow(existing) } : { status: 'not-member' };
        continue;
      }
      const seq = c.lastSeq + 1;
      const json = m.json ?? messageJson(m);
      const info =
        !isEntryInsert(m)
          ? s.insert.run(m.id, m.conversationId, seq, m.senderId, m.clientMsgId, m.contentHash, json.content, json.attachments, json.meta, now)
          : s.insertEntry.run(m.id, m.conversationId, seq, m.senderId, m.clientMsgId, m.contentHash, json.content, json.attachments, json.meta, now, m.entryKind ?? 'message', m.refSeq ?? null);
      if (info.changes === 0) {
        out[i] = { status: 'duplicate', stored: fromRow(s.byClientId.get(m.senderId, m.clientMsgId) as MessageRow) };
        continue;
      }
      c.lastSeq = seq;
      c.dirty = true;
      out[i] = { status: 'stored', stored: storedEntity(m, seq, now), recipients: c.recipients };
    }
    for (const [id, c] of conversations) if (c?.dirty) s.bumpSeq.run(c.lastSeq, now, id);
    for (const [i, first] of repeats) out[i] = repeatOf(out[first]);
    return out;
  }

  /** The conversation's state in this transaction; null if it is not one `m` may be sent to. */
  private conversation(s: Statements, m: NewMessage, now: number): Conversation | null {
    let row = s.conversation.get(m.conversationId) as { kind: string; last_seq: number } | undefined;
    if (!row) {
      if (m.kind === 'group') return null;
      s.createConversation.run(m.conversationId, m.kind, m.kind === 'broadcast' ? 'all' : 'joined', now, now);
      for (const userId of m.directMembers ?? []) s.addMember.run(m.conversationId, userId, now);
      row = { kind: m.kind, last_seq: 0 };
    }
    if (row.kind !== m.kind) return null;
    if (m.kind === 'group') {
      const members = (s.members.all(m.conversationId) as { user_id: string }[]).map((r) => r.user_id);
      return { lastSeq: Number(row.last_seq), dirty: false, members: new Set(members), recipients: members };
    }
    return { lastSeq: Number(row.last_seq), dirty: false, recipients: m.directMembers };
  }

  private statements(db: Database): Statements {
    if (this.prepared?.db === db) return this.prepared.statements;
    // The conversation module's statements (its tables), run in this transaction.
    const c = sqliteConversationWriteSql(this.dataSource);
    const messages = quotedTable(this.dataSource, MessageEntity);
    const statements: Statements = {
      conversation: db.prepare(c.conversation),
      createConversation: db.prepare(c.createConversation),
      addMember: db.prepare(c.addMember),
      members: db.prepare(c.members),
      insert: db.prepare(
        `INSERT INTO ${messages} (${MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT ("sender_id", "client_msg_id") DO NOTHING`,
      ),
      insertEntry: db.prepare(
        `INSERT INTO ${messages} (${MESSAGE_ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT ("sender_id", "client_msg_id") DO NOTHING`,
      ),
      byClientId: db.prepare(`SELECT ${MESSAGE_SELECT_COLUMNS} FROM ${messages} WHERE "sender_id" = ? AND "client_msg_id" = ?`),
      bumpSeq: db.prepare(c.bumpSeq),
    };
    this.prepared = { db, statements };
    return statements;
  }
}

/** A second send with the same client id in one batch: a retry of the first. */
export function repeatOf(first: WriteOutcome): WriteOutcome {
  return first.status === 'stored' ? { status: 'duplicate', stored: first.stored } : first;
}

/**
 * The PostgreSQL side of group commit: one transaction per batch on one pooled connection, a
 * fixed number of parameterised statements whatever the batch size (arrays through unnest):
 *
 *   BEGIN; SELECT ... FROM conversations WHERE id = ANY('{...}') ORDER BY id FOR UPDATE   -- lock, in id order
 *   [INSERT first direct/broadcast conversations + their members, lock those]
 *   [SELECT members of the batch's groups]                                      -- under the lock
 *   WITH ins AS (INSERT INTO messages ... SELECT FROM unnest(...) ON CONFLICT (sender_id, client_msg_id) DO NOTHING RETURNING id),
 *        bump AS (UPDATE conversations SET last_seq = v.seq ... WHERE (SELECT count(*) FROM ins) = <rows>)
 *   SELECT id FROM ins                                                         -- one round trip
 *   COMMIT
 *
 * The row locks serialize a batch with membership changes (which lock the same row) and with
 * other nodes' batches; taking them in id order keeps two nodes' batches from deadlocking. Seqs
 * are computed here from the locked `last_seq`. If the insert skipped rows (retries of messages
 * already stored), those rows are removed again and the rest renumbered, so seqs stay gap-free.
 */
import type { DataSource } from 'typeorm';
import { postgresConversationWriteSql, type PostgresConversationWriteSql } from '../conversation';
import { quotedTable } from '../../database/quoted-table';
import { MessageEntity } from './entities/message.entity';
import { clientKey, fromRow, isEntryInsert, MESSAGE_COLUMNS, MESSAGE_ENTRY_COLUMNS, MESSAGE_SELECT_COLUMNS, MessageRow, messageJson, storedEntity } from './message-rows';
import type { MessageStore, NewMessage, WriteOutcome } from './message-writer';
import { repeatOf } from './sqlite-message-store';

/** The part of node-postgres used here. */
interface PgClient {
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
  escapeLiteral(text: string): string;
  release(destroy?: boolean | Error): void;
  on(event: 'error', listener: (err: Error) => void): unknown;
  off(event: 'error', listener: (err: Error) => void): unknown;
}
interface PgPool {
  connect(): Promise<PgClient>;
}

interface Conversation {
  kind: string;
  lastSeq: number;
  members?: Set<string>;
  recipients?: string[];
}

export class PostgresMessageStore implements MessageStore {
  private tables?: { messages: string; conversation: PostgresConversationWriteSql };
  private bump?: string;

  constructor(private readonly dataSource: DataSource) {}

  async writeBatch(messages: NewMessage[]): Promise<WriteOutcome[]> {
    const pool = (this.dataSource.driver as unknown as { master: PgPool }).master;
    const client = await pool.connect();
    // pg-pool removes its idle 'error' listener while a client is checked out: a backend that
    // dies meanwhile (pg_terminate_backend, a PostgreSQL restart) would emit an unhandled 'error'
    // and kill the process. Listen for it, and hand the broken client back with the error so
    // the pool destroys it; the batch's own query then fails and is answered 503 UNAVAILABLE.
    let broken: Error | undefined;
    const onError = (err: Error) => (broken ??= err);
    client.on('error', onError);
    try {
      // BEGIN goes out with the batch's first statement (lockRows), in one round trip.
      const out = await this.store(client, messages, Date.now());
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  private async store(client: PgClient, messages: NewMessage[], now: number): Promise<WriteOutcome[]> {
    const t = this.tableNames();
    const conversations = await this.lock(client, messages, now);
    const out: WriteOutcome[] = new Array<WriteOutcome>(messages.length);
    const firstOf = new Map<string, number>();
    const repeats: [number, number][] = [];
    let candidates: number[] = [];
    const outsiders: number[] = [];
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i];
      const first = firstOf.get(clientKey(m));
      if (first !== undefined) {
        repeats.push([i, first]);
        continue;
      }
      firstOf.set(clientKey(m), i);
      const c = conversations.get(m.conversationId);
      if (!c || c.kind !== m.kind || (c.members !== undefined && !c.members.has(m.senderId))) outsiders.push(i);
      else candidates.push(i);
    }
    // Not allowed to send: a retry of an earlier message is still answered from storage.
    for (const [i, stored] of await this.existing(client, outsiders.map((i) => messages[i]))) out[outsiders[i]] = stored ? { status: 'duplicate', stored } : { status: 'not-member' };

    for (let attempt = 0; candidates.length > 0; attempt++) {
      const seqs = this.number(candidates.map((i) => messages[i]), conversations);
      const rows = candidates.map((i, k) => ({ m: messages[i], seq: seqs[k] }));
      const json = rows.map((r) => r.m.json ?? messageJson(r.m));
      // Each conversation's new last_seq, written by the same statement, but only if every row
      // went in (otherwise the rows are renumbered below and the next attempt writes it).
      const lastSeq = new Map<string, number>();
      for (const r of rows) lastSeq.set(r.m.conversationId, r.seq);
      // A batch of messages only (the usual case) leaves `kind` to its default; module-defined
      // stream entries (ConversationStream) and thread replies add the kind and ref_seq columns.
      const entries = rows.some((r) => isEntryInsert(r.m));
      const inserted = await client.query<{ id: string }>(
        `WITH ins AS (INSERT INTO ${t.messages} (${entries ? MESSAGE_ENTRY_COLUMNS : MESSAGE_COLUMNS}) ` +
          `SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::int[], $4::varchar[], $5::varchar[], $6::varchar[], $7::text[], $8::text[], $9::text[], $10::bigint[]${entries ? ', $15::varchar[], $16::int[]' : ''}) ` +
          `ON CONFLICT ("sender_id", "client_msg_id") DO NOTHING RETURNING "id"), ` +
          `bump AS (${this.bumpSql}) ` +
          `SELECT "id" FROM ins`,
        [
          rows.map((r) => r.m.id),
          rows.map((r) => r.m.conversationId),
          rows.map((r) => r.seq),
          rows.map((r) => r.m.senderId),
          rows.map((r) => r.m.clientMsgId),
          rows.map((r) => r.m.contentHash),
          json.map((j) => j.content),
          json.map((j) => j.attachments),
          json.map((j) => j.meta),
          rows.map(() => now),
          [...lastSeq.keys()],
          [...lastSeq.values()],
          now,
          rows.length,
          ...(entries ? [rows.map((r) => r.m.entryKind ?? 'message'), rows.map((r) => r.m.refSeq ?? null)] : []),
        ],
      );
      if (inserted.rows.length === rows.length) {
        candidates.forEach((i, k) => (out[i] = { status: 'stored', stored: storedEntity(messages[i], seqs[k], now), recipients: conversations.get(messages[i].conversationId)!.recipients }));
        break;
      }
      // Some were retries of stored messages: undo this insert, answer those, renumber the rest.
      if (attempt >= 3) throw new Error('message batch: duplicates kept appearing while renumbering');
      await client.query(`DELETE FROM ${t.messages} WHERE "id" = ANY($1::varchar[])`, [inserted.rows.map((r) => r.id)]);
      const taken = new Set(inserted.rows.map((r) => r.id));
      const skipped = candidates.filter((i) => !taken.has(messages[i].id));
      for (const [k, stored] of await this.existing(client, skipped.map((i) => messages[i]))) if (stored) out[skipped[k]] = { status: 'duplicate', stored };
      const answered = new Set(skipped.filter((i) => out[i] !== undefined));
      candidates = candidates.filter((i) => !answered.has(i));
    }

    for (const [i, first] of repeats) out[i] = repeatOf(out[first]);
    return out;
  }

  /** Seqs for `batch` in order, continuing each conversation's locked last_seq. */
  private number(batch: NewMessage[], conversations: Map<string, Conversation>): number[] {
    const next = new Map<string, number>();
    return batch.map((m) => {
      const seq = (next.get(m.conversationId) ?? conversations.get(m.conversationId)!.lastSeq) + 1;
      next.set(m.conversationId, seq);
      return seq;
    });
  }

  /** Locks the batch's conversations (creating first direct/broadcast ones) and reads group members. */
  private async lock(client: PgClient, messages: NewMessage[], now: number): Promise<Map<string, Conversation>> {
    const t = this.tableNames();
    const ids = [...new Set(messages.map((m) => m.conversationId))].sort();
    const found = await this.lockRows(client, ids, true);
    const missing = new Map<string, NewMessage>();
    for (const m of messages) if (!found.has(m.conversationId) && m.kind !== 'group') missing.set(m.conversationId, m);
    if (missing.size > 0) {
      const created = [...missing.values()];
      await client.query(
        t.conversation.createConversations,
        [created.map((m) => m.conversationId), created.map((m) => m.kind), created.map((m) => (m.kind === 'broadcast' ? 'all' : 'joined')), now],
      );
      const pairs = created.flatMap((m) => (m.directMembers ?? []).map((u) => [m.conversationId, u]));
      if (pairs.length > 0) {
        await client.query(
          t.conversation.addMembers,
          [pairs.map((p) => p[0]), pairs.map((p) => p[1]), now],
        );
      }
      for (const [id, c] of await this.lockRows(client, [...missing.keys()])) found.set(id, c);
    }
    const groups = [...found].filter(([, c]) => c.kind === 'group').map(([id]) => id);
    if (groups.length > 0) {
      const rows = await client.query<{ conversation_id: string; user_id: string }>(t.conversation.membersOf, [groups]);
      for (const id of groups) found.get(id)!.members = new Set();
      for (const r of rows.rows) found.get(r.conversation_id)!.members!.add(r.user_id);
      for (const id of groups) found.get(id)!.recipients = [...found.get(id)!.members!];
    }
    for (const m of messages) {
      const c = found.get(m.conversationId);
      if (c && c.kind === 'direct') c.recipients = m.directMembers;
    }
    return found;
  }

  /**
   * Locks conversation rows in id order. `begin`: the transaction's first statement, sent with
   * BEGIN as one simple-protocol query (node-postgres does not pipeline, and a BEGIN of its own
   * is a round trip of its own: one of five per batch); the ids then travel as an escaped array
   * literal instead of a parameter.
   */
  private async lockRows(client: PgClient, ids: string[], begin = false): Promise<Map<string, Conversation>> {
    const select = this.tableNames().conversation.lockRows;
    type Row = { id: string; kind: string; last_seq: number | string };
    let rows: Row[];
    if (begin) {
      const literal = client.escapeLiteral(`{${ids.map((id) => `"${id.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`);
      const results = (await client.query(`BEGIN; ${select.replace('%s', literal)}`)) as unknown as { rows: Row[] }[];
      rows = results[1].rows;
    } else {
      rows = (await client.query<Row>(select.replace('%s', '$1'), [ids])).rows;
    }
    return new Map(rows.map((r) => [r.id, { kind: r.kind, lastSeq: Number(r.last_seq) }]));
  }

  /** The stored message of each send's (sender, client id), by index into `sends`. */
  private async existing(client: PgClient, sends: NewMessage[]): Promise<Map<number, MessageEntity | undefined>> {
    const result = new Map<number, MessageEntity | undefined>();
    if (sends.length === 0) return result;
    const rows = await client.query<MessageRow>(
      `SELECT ${MESSAGE_SELECT_COLUMNS.split(', ').map((c) => `m.${c}`).join(', ')} FROM ${this.tableNames().messages} m ` +
        `JOIN unnest($1::varchar[], $2::varchar[]) AS k(s, c) ON m."sender_id" = k.s AND m."client_msg_id" = k.c`,
      [sends.map((m) => m.senderId), sends.map((m) => m.clientMsgId)],
    );
    const byKey = new Map(rows.rows.map((r) => [`${r.sender_id}\u0000${r.client_msg_id}`, fromRow(r)]));
    sends.forEach((m, i) => result.set(i, byKey.get(clientKey(m))));
    return result;
  }

  /** The messages table, and the conversation module's statements on its tables (run in our transaction). */
  private tableNames(): { messages: string; conversation: PostgresConversationWriteSql } {
    this.tables ??= { messages: quotedTable(this.dataSource, MessageEntity), conversation: postgresConversationWriteSql(this.dataSource) };
    return this.tables;
  }

  /** The last_seq bump, only if every row of the insert went in ($14 = the row count). */
  private get bumpSql(): string {
    return (this.bump ??= this.tableNames().conversation.bumpSeq({ ids: 11, seqs: 12, now: 13 }, '(SELECT count(*) FROM ins) = $14'));
  }
}

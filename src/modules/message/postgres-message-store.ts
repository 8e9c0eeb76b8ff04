/**
 * The PostgreSQL side of group commit: one transaction per batch on one pooled connection, a
 * fixed number of parameterised statements whatever the batch size (arrays through unnest):
 *
 *   BEGIN
 *   SELECT ... FROM conversations WHERE id = ANY($1) ORDER BY id FOR UPDATE   -- lock, in id order
 *   [INSERT first direct/broadcast conversations + their members, lock those]
 *   [SELECT members of the batch's groups]                                      -- under the lock
 *   INSERT INTO messages ... SELECT FROM unnest(...) ON CONFLICT (sender_id, client_msg_id) DO NOTHING RETURNING id
 *   UPDATE conversations SET last_seq = v.seq ... FROM unnest(...)
 *   COMMIT
 *
 * The row locks serialize a batch with membership changes (which lock the same row) and with
 * other nodes' batches; taking them in id order keeps two nodes' batches from deadlocking. Seqs
 * are computed here from the locked `last_seq`. If the insert skipped rows (retries of messages
 * already stored), those rows are removed again and the rest renumbered, so seqs stay gap-free.
 */
import type { DataSource } from 'typeorm';
import { ConversationEntity, ConversationMemberEntity } from '../conversation';
import { MessageEntity } from './entities/message.entity';
import { clientKey, fromRow, MESSAGE_COLUMNS, MessageRow, messageJson, quotedTable, storedEntity } from './message-rows';
import type { MessageStore, NewMessage, WriteOutcome } from './message-writer';
import { repeatOf } from './sqlite-message-store';

/** The part of node-postgres used here. */
interface PgClient {
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
  release(destroy?: boolean | Error): void;
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
  private tables?: { conversations: string; members: string; messages: string };

  constructor(private readonly dataSource: DataSource) {}

  async writeBatch(messages: NewMessage[]): Promise<WriteOutcome[]> {
    const pool = (this.dataSource.driver as unknown as { master: PgPool }).master;
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const out = await this.store(client, messages, Date.now());
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
      throw err;
    } finally {
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
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO ${t.messages} (${MESSAGE_COLUMNS}) ` +
          `SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::int[], $4::varchar[], $5::varchar[], $6::varchar[], $7::text[], $8::text[], $9::text[], $10::bigint[]) ` +
          `ON CONFLICT ("sender_id", "client_msg_id") DO NOTHING RETURNING "id"`,
        [
          rows.map((r) => r.m.id),
          rows.map((r) => r.m.conversationId),
          rows.map((r) => r.seq),
          rows.map((r) => r.m.senderId),
          rows.map((r) => r.m.clientMsgId),
          rows.map((r) => r.m.contentHash),
          rows.map((r) => (r.m.json ?? messageJson(r.m)).content),
          rows.map((r) => (r.m.json ?? messageJson(r.m)).attachments),
          rows.map((r) => (r.m.json ?? messageJson(r.m)).meta),
          rows.map(() => now),
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

    const bumped = new Map<string, number>();
    for (let i = 0; i < messages.length; i++) {
      const o = out[i];
      if (o?.status === 'stored') bumped.set(o.stored.conversationId, Math.max(bumped.get(o.stored.conversationId) ?? 0, o.stored.seq));
    }
    if (bumped.size > 0) {
      await client.query(
        `UPDATE ${t.conversations} AS c SET "last_seq" = v.seq, "updated_at" = $3 FROM unnest($1::varchar[], $2::int[]) AS v(id, seq) WHERE c."id" = v.id`,
        [[...bumped.keys()], [...bumped.values()], now],
      );
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
    const found = await this.lockRows(client, ids);
    const missing = new Map<string, NewMessage>();
    for (const m of messages) if (!found.has(m.conversationId) && m.kind !== 'group') missing.set(m.conversationId, m);
    if (missing.size > 0) {
      const created = [...missing.values()];
      await client.query(
        `INSERT INTO ${t.conversations} ("id", "kind", "name", "owner_id", "last_seq", "history_visibility", "created_at", "updated_at") ` +
          `SELECT id, kind, NULL, NULL, 0, vis, $4, $4 FROM unnest($1::varchar[], $2::varchar[], $3::varchar[]) AS v(id, kind, vis) ON CONFLICT DO NOTHING`,
        [created.map((m) => m.conversationId), created.map((m) => m.kind), created.map((m) => (m.kind === 'broadcast' ? 'all' : 'joined')), now],
      );
      const pairs = created.flatMap((m) => (m.directMembers ?? []).map((u) => [m.conversationId, u]));
      if (pairs.length > 0) {
        await client.query(
          `INSERT INTO ${t.members} ("conversation_id", "user_id", "role", "joined_seq", "delivered_seq", "read_seq", "joined_at") ` +
            `SELECT c, u, 'member', 0, 0, 0, $3 FROM unnest($1::varchar[], $2::varchar[]) AS v(c, u) ON CONFLICT DO NOTHING`,
          [pairs.map((p) => p[0]), pairs.map((p) => p[1]), now],
        );
      }
      for (const [id, c] of await this.lockRows(client, [...missing.keys()])) found.set(id, c);
    }
    const groups = [...found].filter(([, c]) => c.kind === 'group').map(([id]) => id);
    if (groups.length > 0) {
      const rows = await client.query<{ conversation_id: string; user_id: string }>(
        `SELECT "conversation_id", "user_id" FROM ${t.members} WHERE "conversation_id" = ANY($1::varchar[])`,
        [groups],
      );
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

  private async lockRows(client: PgClient, ids: string[]): Promise<Map<string, Conversation>> {
    const result = await client.query<{ id: string; kind: string; last_seq: number | string }>(
      `SELECT "id", "kind", "last_seq" FROM ${this.tableNames().conversations} WHERE "id" = ANY($1::varchar[]) ORDER BY "id" FOR UPDATE`,
      [ids],
    );
    return new Map(result.rows.map((r) => [r.id, { kind: r.kind, lastSeq: Number(r.last_seq) }]));
  }

  /** The stored message of each send's (sender, client id), by index into `sends`. */
  private async existing(client: PgClient, sends: NewMessage[]): Promise<Map<number, MessageEntity | undefined>> {
    const result = new Map<number, MessageEntity | undefined>();
    if (sends.length === 0) return result;
    const rows = await client.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS.split(', ').map((c) => `m.${c}`).join(', ')} FROM ${this.tableNames().messages} m ` +
        `JOIN unnest($1::varchar[], $2::varchar[]) AS k(s, c) ON m."sender_id" = k.s AND m."client_msg_id" = k.c`,
      [sends.map((m) => m.senderId), sends.map((m) => m.clientMsgId)],
    );
    const byKey = new Map(rows.rows.map((r) => [`${r.sender_id}\u0000${r.client_msg_id}`, fromRow(r)]));
    sends.forEach((m, i) => result.set(i, byKey.get(clientKey(m))));
    return result;
  }

  private tableNames(): { conversations: string; members: string; messages: string } {
    this.tables ??= {
      conversations: quotedTable(this.dataSource, ConversationEntity),
      members: quotedTable(this.dataSource, ConversationMemberEntity),
      messages: quotedTable(this.dataSource, MessageEntity),
    };
    return this.tables;
  }
}

/** Raw rows of the hot write path (prepared statements, not the ORM) to and from MessageEntity. */
import { MessageEntity } from './entities/message.entity';
import type { NewMessage } from './message-writer';

export interface MessageRow {
  id: string;
  conversation_id: string;
  seq: number | string;
  sender_id: string;
  client_msg_id: string;
  content_hash: string;
  content: string;
  attachments: string;
  meta: string;
  sent_at: number | string;
  kind: string;
  recalled_at?: number | string | null;
  ref_seq?: number | string | null;
}

/** The columns message/send inserts (`kind` takes its default, `message`). */
export const MESSAGE_COLUMNS = '"id", "conversation_id", "seq", "sender_id", "client_msg_id", "content_hash", "content", "attachments", "meta", "sent_at"';
/** What a stream entry (or a thread reply) inserts: the message columns plus its kind and ref_seq. */
export const MESSAGE_ENTRY_COLUMNS = `${MESSAGE_COLUMNS}, "kind", "ref_seq"`;
/** The columns read back for a retry's answer (a recalled message is answered without its hash). */
export const MESSAGE_SELECT_COLUMNS = `${MESSAGE_COLUMNS}, "kind", "recalled_at", "ref_seq"`;

/** A send that cannot use message/send's plain insert: a module entry, or a message about another entry. */
export function isEntryInsert(m: NewMessage): boolean {
  return m.entryKind !== undefined || m.refSeq !== undefined;
}

export function fromRow(r: MessageRow): MessageEntity {
  const m = new MessageEntity();
  m.id = r.id;
  m.conversationId = r.conversation_id;
  m.seq = Number(r.seq);
  m.senderId = r.sender_id;
  m.clientMsgId = r.client_msg_id;
  m.contentHash = r.content_hash;
  m.content = JSON.parse(r.content) as Record<string, unknown>;
  m.attachments = JSON.parse(r.attachments) as Record<string, unknown>[];
  m.meta = JSON.parse(r.meta) as Record<string, unknown>;
  m.sentAt = Number(r.sent_at);
  m.kind = r.kind;
  m.recalledAt = r.recalled_at === null || r.recalled_at === undefined ? null : Number(r.recalled_at);
  m.refSeq = r.ref_seq === null || r.ref_seq === undefined ? null : Number(r.ref_seq);
  return m;
}

/** The entity of a message just stored with `seq` at `sentAt`. */
export function storedEntity(n: NewMessage, seq: number, sentAt: number): MessageEntity {
  const m = new MessageEntity();
  m.id = n.id;
  m.conversationId = n.conversationId;
  m.seq = seq;
  m.senderId = n.senderId;
  m.clientMsgId = n.clientMsgId;
  m.contentHash = n.contentHash;
  m.content = n.content;
  m.attachments = n.attachments;
  m.meta = n.meta;
  m.sentAt = sentAt;
  m.kind = n.entryKind ?? 'message';
  if (n.refSeq !== undefined) m.refSeq = n.refSeq;
  return m;
}

/** In-batch identity of a send: a second send with the same key in one batch is its retry. */
export function clientKey(m: NewMessage): string {
  return `${m.senderId}\u0000${m.clientMsgId}`;
}

/** The stored JSON columns of a new message (message/send passes them in, already serialized). */
export function messageJson(m: NewMessage): { content: string; attachments: string; meta: string } {
  return { content: JSON.stringify(m.content), attachments: JSON.stringify(m.attachments), meta: JSON.stringify(m.meta) };
}

/** Stored message → the wire shape of draft §2.3 (`message/event`, offline batches, history). */
import type { Content } from '../../shared/protocol/extensions';
import type { MessageMeta, WireMessage } from '../../shared/protocol/messages/message.messages';
import type { MessageEntity } from './entities/message.entity';

/** The stored fields the wire shape needs (a full entity, or a row joined by another query). */
export type StoredMessage = Pick<MessageEntity, 'id' | 'conversationId' | 'seq' | 'senderId' | 'sentAt' | 'content' | 'attachments' | 'meta'> &
  Partial<Pick<MessageEntity, 'editedAt' | 'editCount' | 'recalledBy' | 'recalledAt' | 'refSeq'>> & { kind?: string };

/** The content of a recalled message: what is left in the database and on the wire. */
export const RECALLED_CONTENT = Object.freeze({ type: 'recalled' });

export function toWire(m: StoredMessage): WireMessage {
  const wire: WireMessage = {
    message_id: m.id,
    conversation_id: m.conversationId,
    seq: m.seq,
    sender_id: m.senderId,
    sent_at: Math.floor(m.sentAt / 1000),
    sent_at_ms: m.sentAt,
    content: m.content as Content,
    attachments: m.attachments ?? [],
    meta: (m.meta ?? {}) as MessageMeta,
  };
  // Messages carry no `kind` (the frames stay as they were); other stream entries name theirs.
  const entry = m.kind !== undefined && m.kind !== 'message';
  if (entry) wire.kind = m.kind;
  // Optional fields only when set: an unchanged message is the frame it always was.
  if (m.editCount) {
    wire.edit_count = m.editCount;
    if (m.editedAt) wire.edited_at = Math.floor(m.editedAt / 1000);
  }
  if (m.recalledAt) {
    wire.recalled_by = m.recalledBy ?? undefined;
    wire.recalled_at = Math.floor(m.recalledAt / 1000);
  }
  if (m.refSeq !== null && m.refSeq !== undefined) {
    if (entry) wire.ref_seq = m.refSeq;
    else wire.thread_root_seq = m.refSeq;
  }
  return wire;
}

/** Direct conversation id: both user ids sorted, so both sides derive the same one. */
export function directConversationId(a: string, b: string): string {
  return a < b ? `d-${a}-${b}` : `d-${b}-${a}`;
}

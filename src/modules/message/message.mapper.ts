/** Stored message → the wire shape of draft §2.3 (`message/event`, offline batches, history). */
import type { Content } from '../../shared/protocol/extensions';
import type { MessageMeta, WireMessage } from '../../shared/protocol/messages/message.messages';
import type { MessageEntity } from './entities/message.entity';

/** The stored fields the wire shape needs (a full entity, or a row joined by another query). */
export type StoredMessage = Pick<MessageEntity, 'id' | 'conversationId' | 'seq' | 'senderId' | 'sentAt' | 'content' | 'attachments' | 'meta'> & { kind?: string };

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
  if (m.kind !== undefined && m.kind !== 'message') wire.kind = m.kind;
  return wire;
}

/** Direct conversation id: both user ids sorted, so both sides derive the same one. */
export function directConversationId(a: string, b: string): string {
  return a < b ? `d-${a}-${b}` : `d-${b}-${a}`;
}

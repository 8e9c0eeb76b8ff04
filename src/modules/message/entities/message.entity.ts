import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber, jsonText } from '../../../database/column-types';

/**
 * A stored message. `(conversation_id, seq)` is unique (ordering); `(sender_id, client_msg_id)` is
 * unique (idempotent retries: the request id is the idempotency key), and `content_hash` tells a
 * true retry from a conflicting reuse of the same id.
 */
@Entity('messages')
@Index('IDX_messages_conversation_seq', ['conversationId', 'seq'], { unique: true })
@Index('IDX_messages_sender_client_id', ['senderId', 'clientMsgId'], { unique: true })
@Index('IDX_messages_conversation_ref', ['conversationId', 'refSeq', 'seq'], { where: '"ref_seq" IS NOT NULL' })
export class MessageEntity {
  /** Server-assigned, globally unique and time-sortable (`m-<time><random>`). */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'conversation_id', type: 'varchar', length: 64 })
  conversationId: string;

  @Column({ type: 'integer' })
  seq: number;

  @Column({ name: 'sender_id', type: 'varchar', length: 64 })
  senderId: string;

  @Column({ name: 'client_msg_id', type: 'varchar', length: 128 })
  clientMsgId: string;

  @Column({ name: 'content_hash', type: 'varchar', length: 64 })
  contentHash: string;

  @Column({ type: 'text', transformer: jsonText })
  content: Record<string, unknown>;

  @Column({ type: 'text', transformer: jsonText })
  attachments: Record<string, unknown>[];

  @Column({ type: 'text', transformer: jsonText })
  meta: Record<string, unknown>;

  /**
   * What this entry of the conversation's ordered stream is: `message` (message/send), or a kind
   * another module appended through ConversationStream (e.g. `poll.voted`). Clients skip kinds
   * they do not know; the seq is taken either way.
   */
  @Column({ type: 'varchar', length: 64, default: 'message' })
  kind: string;

  /** Epoch milliseconds. */
  @Column({ name: 'sent_at', type: 'bigint', transformer: bigintNumber })
  sentAt: number;

  /** message/edit: when the content was last replaced (epoch ms), and how often. */
  @Column({ name: 'edited_at', type: 'bigint', nullable: true, transformer: bigintNumber })
  editedAt?: number | null;

  @Column({ name: 'edit_count', type: 'integer', default: 0 })
  editCount?: number;

  /** The seq of the newest `message.edited` entry applied: an older one never overwrites it. */
  @Column({ name: 'edit_seq', type: 'integer', nullable: true })
  editSeq?: number | null;

  /** message/recall: who and when (epoch ms). The content, attachments and meta are erased. */
  @Column({ name: 'recalled_by', type: 'varchar', length: 64, nullable: true })
  recalledBy?: string | null;

  @Column({ name: 'recalled_at', type: 'bigint', nullable: true, transformer: bigintNumber })
  recalledAt?: number | null;

  /**
   * The seq of the entry of this conversation this one is about: the message an edit, a
   * reaction or a pin refers to, or the root of a thread reply. Null for everything else.
   */
  @Column({ name: 'ref_seq', type: 'integer', nullable: true })
  refSeq?: number | null;
}

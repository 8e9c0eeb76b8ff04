import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

/**
 * One user's reaction with one emoji on one message, named by its place in the conversation's
 * stream (conversation, seq). The primary key makes adding the same reaction twice a no-op.
 */
@Entity('message_reactions')
@Index('IDX_message_reactions_message', ['conversationId', 'seq'])
export class MessageReactionEntity {
  @PrimaryColumn({ name: 'conversation_id', type: 'varchar', length: 64 })
  conversationId: string;

  @PrimaryColumn({ type: 'integer' })
  seq: number;

  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 64 })
  userId: string;

  /** One emoji grapheme or a `:shortcode:` (reaction.emoji.ts). */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  emoji: string;

  @Column({ name: 'reacted_at', type: 'bigint', transformer: bigintNumber })
  reactedAt: number;
}

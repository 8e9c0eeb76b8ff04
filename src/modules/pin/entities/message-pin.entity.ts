import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

/** A message pinned in its conversation (at most once: the primary key is the message's place). */
@Entity('message_pins')
export class MessagePinEntity {
  @PrimaryColumn({ name: 'conversation_id', type: 'varchar', length: 64 })
  conversationId: string;

  @PrimaryColumn({ type: 'integer' })
  seq: number;

  @Column({ name: 'message_id', type: 'varchar', length: 40 })
  messageId: string;

  @Column({ name: 'pinned_by', type: 'varchar', length: 64 })
  pinnedBy: string;

  @Column({ name: 'pinned_at', type: 'bigint', transformer: bigintNumber })
  pinnedAt: number;
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

/** A poll asked in a conversation; `options` is a JSON array of strings (text column: portable). */
@Entity('polls')
@Index('IDX_polls_conversation', ['conversationId'])
export class PollEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'conversation_id', type: 'varchar', length: 64 })
  conversationId: string;

  @Column({ name: 'creator_id', type: 'varchar', length: 40 })
  creatorId: string;

  @Column({ type: 'varchar', length: 300 })
  question: string;

  @Column({ type: 'text' })
  options: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintNumber })
  createdAt: number;
}

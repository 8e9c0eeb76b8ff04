import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

/** One vote per user and poll (the primary key makes a second vote a change, never a duplicate). */
@Entity('poll_votes')
export class PollVoteEntity {
  @PrimaryColumn({ name: 'poll_id', type: 'varchar', length: 40 })
  pollId: string;

  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 40 })
  userId: string;

  @Column({ name: 'option_index', type: 'integer' })
  optionIndex: number;

  @Column({ name: 'voted_at', type: 'bigint', transformer: bigintNumber })
  votedAt: number;
}

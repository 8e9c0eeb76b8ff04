import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

/** `blockerId` blocked `blockedId`. The reverse index answers "who blocked X" (message gate). */
@Entity('contact_blocks')
@Index('IDX_contact_blocks_blocked', ['blockedId', 'blockerId'])
export class ContactBlockEntity {
  @PrimaryColumn({ name: 'blocker_id', type: 'varchar', length: 40 })
  blockerId: string;

  @PrimaryColumn({ name: 'blocked_id', type: 'varchar', length: 40 })
  blockedId: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintNumber })
  createdAt: number;
}

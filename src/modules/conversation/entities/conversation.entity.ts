import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

export type ConversationKind = 'direct' | 'group' | 'broadcast';

/**
 * A conversation: a direct pair (id `d-<userA>-<userB>` with the ids sorted), a group (`g-...`)
 * or the system broadcast conversation (`broadcast`). `last_seq` is the per-conversation sequence
 * counter, incremented in the same transaction as the message insert (a row lock on PostgreSQL,
 * the single writer on SQLite), so seqs have no gaps or duplicates across processes.
 */
@Entity('conversations')
export class ConversationEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  @Column({ type: 'varchar', length: 16 })
  kind: ConversationKind;

  @Column({ type: 'varchar', length: 200, nullable: true })
  name: string | null;

  @Column({ name: 'owner_id', type: 'varchar', length: 64, nullable: true })
  ownerId: string | null;

  @Column({ name: 'last_seq', type: 'integer', default: 0 })
  lastSeq: number;

  /** `joined`: members see history from their join on; `all`: full history. */
  @Column({ name: 'history_visibility', type: 'varchar', length: 16, default: 'joined' })
  historyVisibility: 'joined' | 'all';

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintNumber })
  createdAt: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: bigintNumber })
  updatedAt: number;
}

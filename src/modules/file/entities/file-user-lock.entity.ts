import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

/**
 * One row per user who requested a transfer: the lock that serialises their quota and slot
 * decisions across every node (#18.8). A request updates the row first in its transaction, which
 * holds the row lock (PostgreSQL) or the write lock (SQLite) until it commits, so two nodes never
 * both count the same free bytes or the same free slot.
 */
@Entity('file_user_locks')
export class FileUserLockEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 40 })
  userId: string;

  /** Last time the lock was taken (ms): only written, so that taking it is a write. */
  @Column({ name: 'locked_at', type: 'bigint', transformer: bigintNumber })
  lockedAt: number;
}

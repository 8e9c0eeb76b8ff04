import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

export type TransferDirection = 'upload' | 'download';
/** queued → active → complete | failed | cancelled | expired (the last four are final). */
export type TransferState = 'queued' | 'active' | 'complete' | 'failed' | 'cancelled' | 'expired';
export const OPEN_STATES: TransferState[] = ['queued', 'active'];

/**
 * One transfer and its durable progress. `offset` is what the server has fsynced (uploads) so a
 * restarted server resumes from it; `updated_at` is the last progress, for FILE_TRANSFER_TTL.
 */
@Entity('file_transfers')
@Index('IDX_file_transfers_user_state', ['userId', 'state'])
@Index('IDX_file_transfers_state_updated', ['state', 'updatedAt'])
export class FileTransferEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'user_id', type: 'varchar', length: 40 })
  userId: string;

  @Column({ type: 'varchar', length: 8 })
  direction: TransferDirection;

  @Column({ type: 'varchar', length: 16 })
  state: TransferState;

  /** Download: the file; upload: the file once finished. */
  @Column({ name: 'file_id', type: 'varchar', length: 40, nullable: true })
  fileId: string | null;

  @Column({ name: 'file_name', type: 'varchar', length: 255 })
  fileName: string;

  @Column({ name: 'file_size', type: 'bigint', transformer: bigintNumber })
  fileSize: number;

  @Column({ type: 'varchar', length: 64 })
  sha256: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  mime: string | null;

  @Column({ name: 'target_type', type: 'varchar', length: 8, nullable: true })
  targetType: 'user' | 'group' | null;

  @Column({ name: 'target_id', type: 'varchar', length: 128, nullable: true })
  targetId: string | null;

  @Column({ name: 'durable_offset', type: 'bigint', transformer: bigintNumber })
  offset: number;

  @Column({ name: 'chunk_size', type: 'integer' })
  chunkSize: number;

  /** Key id (PAYLOAD_KEYS) of an encrypted transfer; null = plaintext. */
  @Column({ name: 'key_id', type: 'varchar', length: 64, nullable: true })
  keyId: string | null;

  @Column({ name: 'error_code', type: 'varchar', length: 32, nullable: true })
  errorCode: string | null;

  /**
   * Upload only: the data connection allowed to append (`<node>/<connection>`) and until when
   * (epoch ms, renewed while it writes). Several nodes share the partial file, so exactly one may
   * write it at a time (transfer-lease.ts); null = nobody holds it.
   */
  @Column({ name: 'lease_owner', type: 'varchar', length: 96, nullable: true })
  leaseOwner?: string | null;

  @Column({ name: 'lease_until', type: 'bigint', nullable: true, transformer: bigintNumber })
  leaseUntil?: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintNumber })
  createdAt: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: bigintNumber })
  updatedAt: number;
}

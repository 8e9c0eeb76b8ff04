import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

export type DirectTransferState = 'offered' | 'complete' | 'cancelled';

/**
 * A direct (mode "active") transfer: the server brokered it but never holds its bytes. It records
 * who offered what to whom and when each side reported it complete (file/ack); the one-time
 * token is not stored (the server never checks it: the sender's listener does).
 */
@Entity('file_direct_transfers')
@Index('idx_file_direct_recipient', ['recipientId'])
export class FileDirectTransferEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'sender_id', type: 'varchar', length: 40 })
  senderId: string;

  @Column({ name: 'recipient_id', type: 'varchar', length: 40 })
  recipientId: string;

  @Column({ name: 'file_name', type: 'varchar', length: 255 })
  fileName: string;

  @Column({ name: 'file_size', type: 'bigint', transformer: bigintNumber })
  fileSize: number;

  @Column({ type: 'varchar', length: 64 })
  sha256: string;

  @Column({ type: 'varchar', length: 16 })
  state: DirectTransferState;

  /** When the sender reported every byte sent and acknowledged (ms), or null. */
  @Column({ name: 'sender_done_at', type: 'bigint', nullable: true, transformer: bigintNumber })
  senderDoneAt: number | null;

  /** When the receiver reported the file received and its sha256 verified (ms), or null. */
  @Column({ name: 'recipient_done_at', type: 'bigint', nullable: true, transformer: bigintNumber })
  recipientDoneAt: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintNumber })
  createdAt: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: bigintNumber })
  updatedAt: number;
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

/** A file was shared in a conversation: its members may download it. */
@Entity('file_shares')
@Index('IDX_file_shares_conversation', ['conversationId'])
export class FileShareEntity {
  @PrimaryColumn({ name: 'file_id', type: 'varchar', length: 40 })
  fileId: string;

  @PrimaryColumn({ name: 'conversation_id', type: 'varchar', length: 64 })
  conversationId: string;

  @Column({ name: 'shared_at', type: 'bigint', transformer: bigintNumber })
  sharedAt: number;
}

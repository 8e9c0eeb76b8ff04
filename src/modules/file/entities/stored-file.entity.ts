import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

/**
 * A finished upload: its own id, name and uploader, pointing at content stored once by sha256
 * (several files may share one blob: de-duplication).
 */
@Entity('files')
@Index('IDX_files_uploader', ['uploaderId'])
@Index('IDX_files_sha256', ['sha256'])
export class StoredFileEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  sha256: string;

  @Column({ type: 'bigint', transformer: bigintNumber })
  size: number;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  mime: string | null;

  @Column({ name: 'uploader_id', type: 'varchar', length: 40 })
  uploaderId: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintNumber })
  createdAt: number;
}

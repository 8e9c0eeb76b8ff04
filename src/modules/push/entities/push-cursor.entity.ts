import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

/**
 * Each node's recovery watermark: every entry with a smaller message id was taken into the
 * outbox by that node's live hook. A node that stops beating (crash) is taken over by another,
 * which re-derives the entries after the watermark from the message stream.
 */
@Entity('push_cursors')
export class PushCursorEntity {
  @PrimaryColumn({ name: 'node_id', type: 'varchar', length: 100 })
  nodeId: string;

  @Column({ type: 'varchar', length: 40 })
  watermark: string;

  @Column({ name: 'beat_at', type: 'bigint', transformer: bigintNumber })
  beatAt: number;
}

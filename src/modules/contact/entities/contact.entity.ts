import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

/** Relation as seen by `ownerId`: `outgoing` (I asked), `incoming` (they asked), `accepted`. */
export type ContactState = 'outgoing' | 'incoming' | 'accepted';

/**
 * One row per side of a relation (A→B and B→A), so "my contacts" is a single indexed range read
 * and each side keeps its own view (a blocked requester still sees their request as pending).
 */
@Entity('contacts')
@Index('IDX_contacts_owner_state', ['ownerId', 'state', 'peerId'])
export class ContactEntity {
  @PrimaryColumn({ name: 'owner_id', type: 'varchar', length: 40 })
  ownerId: string;

  @PrimaryColumn({ name: 'peer_id', type: 'varchar', length: 40 })
  peerId: string;

  @Column({ type: 'varchar', length: 16 })
  state: ContactState;

  @Column({ type: 'varchar', length: 200, nullable: true })
  note: string | null;

  @Column({ name: 'updated_at', type: 'bigint', transformer: bigintNumber })
  updatedAt: number;
}

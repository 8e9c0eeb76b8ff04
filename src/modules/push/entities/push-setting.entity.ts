import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

/** A user's push preferences (push/settings); no row = the defaults (all, no quiet hours). */
@Entity('push_settings')
export class PushSettingEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 64 })
  userId: string;

  /** all | mentions (mentions and direct messages) | none */
  @Column({ type: 'varchar', length: 16 })
  level: string;

  /** Quiet hours, minutes after local midnight; both null when there are none. */
  @Column({ name: 'quiet_start', type: 'integer', nullable: true })
  quietStart: number | null;

  @Column({ name: 'quiet_end', type: 'integer', nullable: true })
  quietEnd: number | null;

  /** IANA time zone of the quiet hours (e.g. Europe/Paris). */
  @Column({ name: 'time_zone', type: 'varchar', length: 64, nullable: true })
  timeZone: string | null;

  @Column({ name: 'updated_at', type: 'bigint', transformer: bigintNumber })
  updatedAt: number;
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber, jsonText } from '../../../database/column-types';

/**
 * A durable notification waiting for its user's notification/ack (then the row is deleted).
 * `payload` is the whole notification/event payload, so a replay is byte-for-byte the live one.
 */
@Entity('notifications')
@Index('IDX_notifications_user_created', ['userId', 'createdAt', 'id'])
export class NotificationEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  @Column({ name: 'user_id', type: 'varchar', length: 40 })
  userId: string;

  @Column({ type: 'varchar', length: 64 })
  type: string;

  /** The user the notification is about (e.g. the requester): lets a block purge their notices. */
  @Column({ name: 'about_user_id', type: 'varchar', length: 40, nullable: true })
  aboutUserId: string | null;

  @Column({ type: 'text', transformer: jsonText })
  payload: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintNumber })
  createdAt: number;
}

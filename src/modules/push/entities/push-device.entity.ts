import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

/**
 * A device's push token, bound to the session that registered it (logout, revocation or expiry
 * of the session removes it). `token_hash` (sha256 of platform and token) is unique: a token
 * registered again, from any session, moves to that session.
 */
@Entity('push_devices')
@Index('IDX_push_devices_token_hash', ['tokenHash'], { unique: true })
@Index('IDX_push_devices_user', ['userId'])
@Index('IDX_push_devices_session', ['sessionId'])
export class PushDeviceEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'user_id', type: 'varchar', length: 64 })
  userId: string;

  @Column({ name: 'session_id', type: 'varchar', length: 64 })
  sessionId: string;

  /** fcm | apns | webpush | webhook */
  @Column({ type: 'varchar', length: 16 })
  platform: string;

  /** The provider's token (Web Push: the subscription JSON). A credential: never logged. */
  @Column({ type: 'text' })
  token: string;

  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Column({ name: 'app_id', type: 'varchar', length: 200, nullable: true })
  appId: string | null;

  @Column({ type: 'varchar', length: 35, nullable: true })
  locale: string | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintNumber })
  createdAt: number;
}

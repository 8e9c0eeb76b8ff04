import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

/**
 * One logged-in device. Access tokens carry its id (`sid`) and stop working as soon as
 * `revoked_at` is set. The refresh token is opaque and only its SHA-256 is stored; each refresh
 * replaces `refresh_hash` and moves the old hash to `retired_refresh_tokens` (reuse detection).
 */
@Entity('sessions')
@Index('IDX_sessions_user', ['userId'])
@Index('IDX_sessions_refresh_hash', ['refreshHash'], { unique: true })
@Index('IDX_sessions_revoked_at', ['revokedAt'])
export class SessionEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'user_id', type: 'varchar', length: 40 })
  userId: string;

  @Column({ type: 'varchar', length: 64 })
  device: string;

  @Column({ name: 'client_version', type: 'varchar', length: 64, nullable: true })
  clientVersion: string | null;

  @Column({ name: 'remote_address', type: 'varchar', length: 64, nullable: true })
  remoteAddress: string | null;

  @Column({ name: 'refresh_hash', type: 'varchar', length: 64 })
  refreshHash: string;

  /** How many times the refresh token was rotated. */
  @Column({ name: 'refresh_generation', type: 'integer', default: 0 })
  refreshGeneration: number;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintNumber })
  createdAt: number;

  @Column({ name: 'last_used_at', type: 'bigint', transformer: bigintNumber })
  lastUsedAt: number;

  /** Refresh-token expiry; moves forward on every refresh (sliding). */
  @Column({ name: 'expires_at', type: 'bigint', transformer: bigintNumber })
  expiresAt: number;

  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: bigintNumber })
  revokedAt: number | null;

  @Column({ name: 'revoked_reason', type: 'varchar', length: 32, nullable: true })
  revokedReason: string | null;
}

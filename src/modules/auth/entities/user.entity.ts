import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

export type UserRole = 'user' | 'admin';

/**
 * An account. `username` keeps the spelling the user chose; `username_normalized` (lower case)
 * carries the unique index, so "Alice" and "alice" cannot both exist on either database engine.
 */
@Entity('users')
@Index('IDX_users_username_normalized', ['usernameNormalized'], { unique: true })
export class UserEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ type: 'varchar', length: 32 })
  username: string;

  @Column({ name: 'username_normalized', type: 'varchar', length: 32 })
  usernameNormalized: string;

  @Column({ name: 'display_name', type: 'varchar', length: 64 })
  displayName: string;

  /** Free-text status shown in the directory (user/profile), null when unset. */
  @Column({ name: 'status_text', type: 'varchar', length: 140, nullable: true })
  statusText: string | null;

  @Column({ type: 'varchar', length: 16, default: 'user' })
  role: UserRole;

  /** argon2id PHC string (algorithm, parameters and salt included). */
  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintNumber })
  createdAt: number;

  @Column({ name: 'disabled_at', type: 'bigint', nullable: true, transformer: bigintNumber })
  disabledAt: number | null;
}

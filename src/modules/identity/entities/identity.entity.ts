import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

/**
 * A Switchboard user as known to a company sign-in provider: the provider's stable subject
 * (`sub`, `entryUUID`, `objectGUID` as hex) → the user it signs in. Never keyed by a username,
 * which the directory may change or reuse. `disabled_at` is set when the provider said the user
 * is gone (directory entry disabled or deleted, back-channel logout does not set it).
 */
@Entity('identities')
@Index('IDX_identities_user', ['userId'])
export class IdentityEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  provider: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  subject: string;

  @Column({ name: 'user_id', type: 'varchar', length: 40 })
  userId: string;

  /** The name the provider knows the user by (last login): for admins, never for lookups. */
  @Column({ name: 'external_username', type: 'varchar', length: 255, nullable: true })
  externalUsername: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  email: string | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintNumber })
  createdAt: number;

  @Column({ name: 'last_login_at', type: 'bigint', transformer: bigintNumber })
  lastLoginAt: number;

  @Column({ name: 'disabled_at', type: 'bigint', nullable: true, transformer: bigintNumber })
  disabledAt: number | null;
}

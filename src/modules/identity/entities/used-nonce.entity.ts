import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

/**
 * OIDC nonces already used in an auth/login (SHA-256 of provider + nonce): a second login with
 * the same nonce is a replay. Kept until the ID token that carried it expires (then the token
 * itself is refused), in the database so every node sees them.
 */
@Entity('oidc_used_nonces')
@Index('IDX_oidc_used_nonces_expires_at', ['expiresAt'])
export class UsedNonceEntity {
  @PrimaryColumn({ name: 'nonce_hash', type: 'varchar', length: 64 })
  nonceHash: string;

  @Column({ name: 'expires_at', type: 'bigint', transformer: bigintNumber })
  expiresAt: number;
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

/**
 * Hashes of refresh tokens that were already rotated. Seeing one again means the token was
 * copied (stolen or replayed): the whole session is revoked (REFRESH_REUSED). Rows of a session
 * are deleted once the session is revoked or expired for longer than the refresh TTL.
 */
@Entity('retired_refresh_tokens')
@Index('IDX_retired_refresh_tokens_session', ['sessionId'])
export class RetiredRefreshTokenEntity {
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Column({ name: 'session_id', type: 'varchar', length: 40 })
  sessionId: string;

  @Column({ name: 'retired_at', type: 'bigint', transformer: bigintNumber })
  retiredAt: number;
}

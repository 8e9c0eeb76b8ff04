import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

/**
 * Hashes of refresh tokens that were already rotated. Seeing one again means the token was
 * copied (stolen or replayed): the whole session is revoked (REFRESH_REUSED). Rows go when their
 * session is revoked or expires, and once older than the refresh TTL: a token issued that long
 * ago would have expired anyway, so it then gets REFRESH_INVALID instead of REFRESH_REUSED.
 */
@Entity('retired_refresh_tokens')
@Index('IDX_retired_refresh_tokens_session', ['sessionId'])
@Index('IDX_retired_refresh_tokens_retired_at', ['retiredAt'])
export class RetiredRefreshTokenEntity {
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Column({ name: 'session_id', type: 'varchar', length: 40 })
  sessionId: string;

  @Column({ name: 'retired_at', type: 'bigint', transformer: bigintNumber })
  retiredAt: number;
}

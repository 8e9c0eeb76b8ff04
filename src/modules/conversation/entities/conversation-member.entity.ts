import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

export type MemberRole = 'owner' | 'admin' | 'member';

/**
 * Membership plus the member's receipt positions. `joined_seq` is the conversation's last_seq at
 * the moment of joining (history starts after it unless the group shows all history);
 * `delivered_seq` / `read_seq` are cumulative acknowledgements.
 */
@Entity('conversation_members')
@Index('IDX_conversation_members_user', ['userId'])
export class ConversationMemberEntity {
  @PrimaryColumn({ name: 'conversation_id', type: 'varchar', length: 64 })
  conversationId: string;

  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 64 })
  userId: string;

  @Column({ type: 'varchar', length: 16, default: 'member' })
  role: MemberRole;

  @Column({ name: 'joined_seq', type: 'integer', default: 0 })
  joinedSeq: number;

  @Column({ name: 'delivered_seq', type: 'integer', default: 0 })
  deliveredSeq: number;

  @Column({ name: 'read_seq', type: 'integer', default: 0 })
  readSeq: number;

  @Column({ name: 'joined_at', type: 'bigint', transformer: bigintNumber })
  joinedAt: number;

  /** conversation/mute: muted until this time (epoch ms; MUTED_FOREVER = until unmuted), null = not muted. */
  @Column({ name: 'muted_until', type: 'bigint', nullable: true, transformer: bigintNumber })
  mutedUntil?: number | null;
}

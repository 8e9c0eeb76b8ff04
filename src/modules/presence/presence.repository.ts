/**
 * Who may see whom: two users see each other's presence when they share a direct conversation
 * or a group. Memberships are the conversation module's; this class is presence's one place
 * deciding the audience from them (and the one place to extend it with other relations).
 */
import { Injectable } from '@nestjs/common';
import { ConversationRepository } from '../conversation';

@Injectable()
export class PresenceRepository {
  constructor(private readonly conversations: ConversationRepository) {}

  /**
   * The push audience of `userId`: users sharing a direct conversation or a group of at most
   * `groupFanoutMax` members, ordered by id, after `afterUserId` (pagination), at most `limit`.
   * The relation is symmetric, so it is also "whose presence `userId` follows".
   */
  audience(userId: string, groupFanoutMax: number, options: { afterUserId?: string; limit?: number } = {}): Promise<string[]> {
    return this.conversations.sharingUsers(userId, groupFanoutMax, options);
  }

  /** Which of `candidates` share any direct conversation or group (whatever its size) with `userId`. */
  visibleAmong(userId: string, candidates: string[]): Promise<Set<string>> {
    return this.conversations.sharingAmong(userId, candidates);
  }
}

/**
 * Who may see whom: two users see each other's presence when they are accepted contacts or share
 * a direct conversation or a group, unless either blocked the other (a block always wins, both
 * ways, so the blocked user cannot tell a block from an ordinary absence). Memberships are the
 * conversation module's, contacts and blocks the contact module's; this class is presence's one
 * place deciding the audience from them.
 */
import { Injectable } from '@nestjs/common';
import { ContactRepository } from '../contact';
import { ConversationRepository } from '../conversation';

@Injectable()
export class PresenceRepository {
  constructor(
    private readonly conversations: ConversationRepository,
    private readonly contacts: ContactRepository,
  ) {}

  /**
   * The push audience of `userId`: accepted contacts and users sharing a direct conversation or a
   * group of at most `groupFanoutMax` members, minus blocks, ordered by id, after `afterUserId`
   * (pagination), at most `limit`. The relation is symmetric, so it is also "whose presence
   * `userId` follows".
   */
  async audience(userId: string, groupFanoutMax: number, options: { afterUserId?: string; limit?: number } = {}): Promise<string[]> {
    const limit = options.limit;
    const out: string[] = [];
    let after = options.afterUserId;
    for (;;) {
      const [peers, contacts] = await Promise.all([
        this.conversations.sharingUsers(userId, groupFanoutMax, { afterUserId: after, limit }),
        this.contacts.acceptedPeers(userId, { afterPeerId: after, limit }),
      ]);
      // Both are sorted by id and limited the same way: the merged head is exact.
      const merged = [...new Set([...peers, ...contacts])].sort();
      const raw = limit === undefined ? merged : merged.slice(0, limit);
      const blocked = await this.contacts.blockedEitherWay(userId, raw);
      out.push(...raw.filter((id) => !blocked.has(id)));
      // A page thinned by blocks is topped up, so a short page still means "no more".
      if (limit === undefined || raw.length < limit || out.length >= limit) return limit === undefined ? out : out.slice(0, limit);
      after = raw[raw.length - 1];
    }
  }

  /** Which of `candidates` are contacts or share any direct conversation or group (whatever its size) with `userId`, minus blocks. */
  async visibleAmong(userId: string, candidates: string[]): Promise<Set<string>> {
    const others = candidates.filter((id) => id !== userId);
    if (others.length === 0) return new Set();
    const [sharing, contacts, blocked] = await Promise.all([
      this.conversations.sharingAmong(userId, others),
      this.contacts.acceptedPeers(userId, { among: others }),
      this.contacts.blockedEitherWay(userId, others),
    ]);
    return new Set([...sharing, ...contacts].filter((id) => !blocked.has(id)));
  }
}

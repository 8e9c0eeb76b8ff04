/**
 * Port: a user's total unread count over all their conversations — what conversation/list's
 * `unread_count`s add up to (muted conversations included, as the list counts them). The push
 * module sends it as the app icon badge. Bounded work: the newest UNREAD_TOTAL_MAX
 * conversations, and a conversation more than EXACT_MAX entries behind is counted by its seq gap
 * (an upper bound: it includes my own messages and module entries) instead of row by row — a
 * badge of "1,204" need not cost a count of 1,204 rows at every push.
 */
import { Injectable } from '@nestjs/common';
import { ConversationInboxRepository, InboxCursor } from '../conversation';
import { MessageSummaries, visibleFrom } from '../message';

const PAGE = 200;
export const EXACT_MAX = 500;
export const UNREAD_TOTAL_MAX = 2000;

@Injectable()
export class UnreadTotals {
  constructor(
    private readonly inbox: ConversationInboxRepository,
    private readonly summaries: MessageSummaries,
  ) {}

  async of(userId: string): Promise<number> {
    let total = 0;
    let after: InboxCursor | undefined;
    for (let seen = 0; seen < UNREAD_TOTAL_MAX; seen += PAGE) {
      const rows = await this.inbox.page(userId, PAGE, after);
      const behind = (r: (typeof rows)[number]) => r.lastSeq - Math.max(r.readSeq, visibleFrom(r));
      const unread = rows.filter((r) => behind(r) > 0 && behind(r) <= EXACT_MAX);
      for (const r of rows) if (behind(r) > EXACT_MAX) total += behind(r);
      if (unread.length > 0) {
        const counts = await this.summaries.unreadCounts(
          userId,
          unread.map((r) => ({ conversationId: r.conversationId, lastSeq: r.lastSeq, readSeq: r.readSeq, visibleFrom: visibleFrom(r) })),
        );
        for (const n of counts.values()) total += n;
      }
      if (rows.length < PAGE) break;
      after = { activityAt: rows[rows.length - 1].activityAt, conversationId: rows[rows.length - 1].conversationId };
    }
    return total;
  }
}

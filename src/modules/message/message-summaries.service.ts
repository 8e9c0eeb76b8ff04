/**
 * Extension port for the inbox (conversation/list): for a page of a user's conversations, the
 * newest message each (as history shows it: latest content, a recalled one as its tombstone),
 * how many messages are unread and how many of those mention the user.
 *
 * Mentions live in the message's content (`content.mentions`: user ids and `@all`, checked at
 * send by the inbox module): a mention counts for a user named in it, or for every member when
 * it holds `@all`, never for its own sender, and only while unread. A recalled message's
 * content is erased, so its mentions stop counting.
 */
import { Injectable } from '@nestjs/common';
import type { WireMessage } from '../../shared/protocol/messages/message.messages';
import { toWire } from './message.mapper';
import { MessageSummaryRepository } from './message-summary.repository';

/** `@all` in `content.mentions`: every member of the conversation is mentioned. */
export const MENTION_ALL = '@all';

/** What the summary needs of one conversation of the user's. */
export interface SummaryRequest {
  conversationId: string;
  /** Newest seq of the conversation (nothing unread when readSeq reaches it). */
  lastSeq: number;
  /** The member's read position. */
  readSeq: number;
  /** History before this seq is not the member's to see (joined later). */
  visibleFrom: number;
}

export interface ConversationSummary {
  lastMessage: WireMessage | null;
  unreadCount: number;
  mentionCount: number;
}

/** The user ids (or `@all`) a content mentions; anything malformed names nobody. */
export function mentionsOf(content: Record<string, unknown> | null | undefined): string[] {
  const list = content?.mentions;
  return Array.isArray(list) ? list.filter((m): m is string => typeof m === 'string') : [];
}

@Injectable()
export class MessageSummaries {
  constructor(private readonly repository: MessageSummaryRepository) {}

  /** Unread counts only (what `summarize` says as unreadCount), for totals such as a push badge. */
  async unreadCounts(userId: string, conversations: SummaryRequest[]): Promise<Map<string, number>> {
    return this.repository.unreadCounts(
      userId,
      conversations.filter((c) => c.lastSeq > Math.max(c.readSeq, c.visibleFrom)).map((c) => ({ conversationId: c.conversationId, after: Math.max(c.readSeq, c.visibleFrom) })),
    );
  }

  async summarize(userId: string, conversations: SummaryRequest[]): Promise<Map<string, ConversationSummary>> {
    const unreadRanges = conversations
      .filter((c) => c.lastSeq > Math.max(c.readSeq, c.visibleFrom))
      .map((c) => ({ conversationId: c.conversationId, after: Math.max(c.readSeq, c.visibleFrom) }));
    const [lasts, unread, candidates] = await Promise.all([
      Promise.all(conversations.map((c) => (c.lastSeq > c.visibleFrom ? this.repository.lastMessage({ conversationId: c.conversationId, after: c.visibleFrom }) : null))),
      this.repository.unreadCounts(userId, unreadRanges),
      this.repository.mentionCandidates(userId, unreadRanges),
    ]);
    const mentions = new Map<string, number>();
    for (const row of candidates) {
      const named = mentionsOf(row.content);
      if (named.includes(userId) || named.includes(MENTION_ALL)) mentions.set(row.conversationId, (mentions.get(row.conversationId) ?? 0) + 1);
    }
    const out = new Map<string, ConversationSummary>();
    conversations.forEach((c, i) => {
      const last = lasts[i];
      out.set(c.conversationId, {
        lastMessage: last ? toWire(last) : null,
        unreadCount: unread.get(c.conversationId) ?? 0,
        mentionCount: mentions.get(c.conversationId) ?? 0,
      });
    });
    return out;
  }
}

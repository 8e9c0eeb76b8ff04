/**
 * message/history: pages through one conversation (by seq, both directions) or syncs every
 * conversation of the user from a sync cursor (draft §7). See cursor.ts for the cursor model.
 */
import { Injectable } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { MessageConfig, messageConfig } from './message.config';
import { BROADCAST_CONVERSATION_ID, MessageHistoryRequest, MessageThreadRequest, WireMessage } from '../../shared/protocol/messages/message.messages';
import { decodeConversationCursor, decodeSyncCursor, encodeConversationCursor, encodeSyncCursor, SyncPositions } from './cursor';
import { directConversationId, toWire } from './message.mapper';
import { fittingCount, jsonBytes, PAGE_BYTES_BUDGET } from './page-budget';
import { Membership, MessageRepository } from './message.repository';
import { notAMember, validationFailed } from './message.service';
import { MessageViewDecorators } from './message-view-decorators';
import { MessageThreads } from './message-threads';
import { ProtocolError } from '../../shared/protocol';

/** Larger than any seq: the open upper bound of a range. */
const NO_UPPER_BOUND = 2 ** 31 - 1;

export interface ConversationPage {
  conversation_id: string;
  messages: WireMessage[];
  has_more: boolean;
  /** Continues in the same direction (null when a backwards page reached the start). */
  next_cursor: string | null;
  /** Goes the other way from this page: newer than it (after a backwards page) or older. */
  prev_cursor: string | null;
}

export interface SyncPage {
  messages: WireMessage[];
  has_more: boolean;
  next_cursor: string;
}

/** Where a user's view of a conversation starts: group history begins after they joined. */
export function visibleFrom(m: Pick<Membership, 'kind' | 'historyVisibility' | 'joinedSeq'>): number {
  return m.kind === 'group' && m.historyVisibility !== 'all' ? m.joinedSeq : 0;
}

@Injectable()
export class HistoryService {
  constructor(
    @InjectConfig(messageConfig) private readonly config: MessageConfig,
    private readonly repository: MessageRepository,
    private readonly decorators: MessageViewDecorators,
    private readonly threads: MessageThreads,
  ) {}

  async history(userId: string, dto: MessageHistoryRequest): Promise<ConversationPage | SyncPage> {
    const limit = dto.limit ?? this.config.historyMax;
    if (limit > this.config.historyMax) throw validationFailed('limit', `must be at most ${this.config.historyMax} (got ${limit}); page with next_cursor`);
    if (dto.before !== undefined && dto.since !== undefined) throw validationFailed('before', 'pass either before or since, not both');
    if (dto.conversation_id === undefined) {
      if (dto.before !== undefined) throw validationFailed('before', 'needs conversation_id (without it, history is a sync: use since)');
      if (dto.exclude_thread_replies !== undefined) throw validationFailed('exclude_thread_replies', 'needs conversation_id (a sync returns every entry, so a device misses nothing)');
      const synced = await this.sync(userId, dto.since, limit);
      await this.decorate(userId, synced.messages);
      return synced;
    }
    const page = await this.conversationPage(userId, dto.conversation_id, dto, limit);
    await this.decorate(userId, page.messages);
    return page;
  }

  /**
   * message/thread: the root (with its summary) and its replies after the cursor, oldest first.
   * Access as for history; a root the reader may not see answers like no root (404).
   */
  async thread(userId: string, dto: MessageThreadRequest): Promise<{ conversation_id: string; root: WireMessage; replies: WireMessage[]; has_more: boolean; next_cursor: string }> {
    const limit = dto.limit ?? this.config.historyMax;
    if (limit > this.config.historyMax) throw validationFailed('limit', `must be at most ${this.config.historyMax} (got ${limit}); page with next_cursor`);
    const conversationId = dto.conversation_id;
    const from = await this.readableFrom(userId, conversationId);
    const since = dto.since !== undefined ? decodeConversationCursor(dto.since, 'since', conversationId).seq : undefined;
    const row = from === 'empty' ? null : await this.repository.findBySeq(conversationId, dto.root_seq);
    if (!row || from === 'empty' || row.seq <= from || row.kind !== 'message' || (row.refSeq !== null && row.refSeq !== undefined)) {
      throw new ProtocolError('NOT_FOUND', `no thread root at seq ${dto.root_seq} of conversation ${conversationId}`, 404);
    }
    const after = Math.max(since ?? row.seq, row.seq);
    const rows = await this.repository.threadReplies(conversationId, row.seq, after, limit + 1);
    const candidates = rows.slice(0, limit).map(toWire);
    const replies = candidates.slice(0, fittingCount(candidates));
    const root = toWire(row);
    await this.decorate(userId, [root, ...replies]);
    const newest = replies.length > 0 ? replies[replies.length - 1].seq : after;
    return { conversation_id: conversationId, root, replies, has_more: rows.length > replies.length, next_cursor: encodeConversationCursor({ conversationId, direction: 'since', seq: newest }) };
  }

  /** Other modules' fields (e.g. reactions) and thread summaries on the messages of a page. */
  private async decorate(userId: string, messages: WireMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.threads.summarize(messages);
    await this.decorators.apply(userId, messages);
  }

  /** Throws 403/404 unless the user may read the conversation; returns the first visible seq. */
  async readableFrom(userId: string, conversationId: string): Promise<number | 'empty'> {
    if (conversationId === BROADCAST_CONVERSATION_ID) return 0;
    const conversation = await this.repository.findConversation(conversationId);
    if (!conversation) {
      // A direct conversation of mine nobody has written to yet: it exists logically, empty.
      if (isMyDirectConversation(userId, conversationId)) return 'empty';
      throw notAMember(conversationId);
    }
    const member = await this.repository.findMember(conversationId, userId);
    if (!member) throw notAMember(conversationId);
    return visibleFrom({ kind: conversation.kind, historyVisibility: conversation.historyVisibility, joinedSeq: member.joinedSeq });
  }

  private async conversationPage(userId: string, conversationId: string, dto: MessageHistoryRequest, limit: number): Promise<ConversationPage> {
    const from = await this.readableFrom(userId, conversationId);
    // Cursors are checked even for an empty conversation: a bad cursor is always a 400.
    const before = dto.before !== undefined ? decodeConversationCursor(dto.before, 'before', conversationId).seq : undefined;
    const since = dto.since !== undefined ? decodeConversationCursor(dto.since, 'since', conversationId).seq : undefined;
    if (from === 'empty') {
      return { conversation_id: conversationId, messages: [], has_more: false, next_cursor: since !== undefined ? dto.since! : null, prev_cursor: null };
    }
    if (since !== undefined) {
      const after = Math.max(since, from);
      const rows = await this.repository.range(conversationId, after, NO_UPPER_BOUND, limit + 1, 'oldest', dto.exclude_thread_replies === true);
      const candidates = rows.slice(0, limit).map(toWire);
      // Cut by size too (page-budget.ts): has_more covers both a full and a size-cut page.
      const page = candidates.slice(0, fittingCount(candidates));
      const newest = page.length > 0 ? page[page.length - 1].seq : after;
      return {
        conversation_id: conversationId,
        messages: page,
        has_more: rows.length > page.length,
        // Forward cursors never run out: at the end they are the position to poll from.
        next_cursor: encodeConversationCursor({ conversationId, direction: 'since', seq: newest }),
        prev_cursor: page.length > 0 ? encodeConversationCursor({ conversationId, direction: 'before', seq: page[0].seq }) : null,
      };
    }
    const upper = before ?? NO_UPPER_BOUND;
    const rows = await this.repository.range(conversationId, from, upper, limit + 1, 'newest', dto.exclude_thread_replies === true);
    // Newest first here: a size cut keeps the messages next to the cursor.
    const candidates = rows.slice(0, limit).map(toWire);
    const page = candidates.slice(0, fittingCount(candidates)).reverse();
    const hasMore = rows.length > page.length;
    return {
      conversation_id: conversationId,
      messages: page,
      has_more: hasMore,
      next_cursor: hasMore ? encodeConversationCursor({ conversationId, direction: 'before', seq: page[0].seq }) : null,
      prev_cursor: encodeConversationCursor({ conversationId, direction: 'since', seq: page.length > 0 ? page[page.length - 1].seq : before !== undefined ? before - 1 : from }),
    };
  }

  /**
   * Everything new in all my conversations (and the broadcast conversation) since the cursor,
   * oldest first per conversation, conversations in id order, at most `limit` messages.
   */
  private async sync(userId: string, since: string | undefined, limit: number): Promise<SyncPage> {
    const positions: SyncPositions = since !== undefined ? decodeSyncCursor(since) : {};
    const views: { conversationId: string; lastSeq: number; from: number }[] = (await this.repository.memberships(userId)).map((m) => ({
      conversationId: m.conversationId,
      lastSeq: m.lastSeq,
      from: visibleFrom(m),
    }));
    const broadcast = await this.repository.findConversation(BROADCAST_CONVERSATION_ID);
    if (broadcast) views.push({ conversationId: broadcast.id, lastSeq: broadcast.lastSeq, from: 0 });

    const next: SyncPositions = {};
    const messages: WireMessage[] = [];
    let hasMore = false;
    // Size bound of the page (page-budget.ts); once spent, later conversations keep their positions.
    let bytes = 0;
    let full = false;
    for (const view of views) {
      const position = Math.max(positions[view.conversationId] ?? 0, view.from);
      let reached = position;
      const remaining = limit - messages.length;
      if (view.lastSeq > position) {
        if (remaining === 0 || full) {
          hasMore = true;
        } else {
          const rows = await this.repository.range(view.conversationId, position, NO_UPPER_BOUND, remaining + 1, 'oldest');
          if (rows.length > remaining) hasMore = true;
          for (const row of rows.slice(0, remaining)) {
            const wire = toWire(row);
            const size = jsonBytes(wire);
            if (messages.length > 0 && bytes + size > PAGE_BYTES_BUDGET) {
              full = true;
              hasMore = true;
              break;
            }
            bytes += size;
            messages.push(wire);
            reached = wire.seq;
          }
        }
      }
      // Positions of conversations I left drop out; zero positions are implied.
      if (reached > 0) next[view.conversationId] = reached;
    }
    return { messages, has_more: hasMore, next_cursor: encodeSyncCursor(next) };
  }
}

function isMyDirectConversation(userId: string, conversationId: string): boolean {
  let other: string | undefined;
  if (conversationId.startsWith(`d-${userId}-`)) other = conversationId.slice(userId.length + 3);
  else if (conversationId.startsWith('d-') && conversationId.endsWith(`-${userId}`)) other = conversationId.slice(2, -(userId.length + 1));
  return !!other && other !== userId && directConversationId(userId, other) === conversationId;
}

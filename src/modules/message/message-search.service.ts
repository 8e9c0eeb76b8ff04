/**
 * message/search: full-text search over the messages the caller may read — the same access as
 * message/history (HistoryService.readableFrom / visibleFrom: member, and in a group only what
 * history_visibility lets them see), nothing a recalled message said, no module entries.
 *
 * Newest first by default (keyset on the position: SQLite's rowid, PostgreSQL's time-sortable id); `order: "relevance"` ranks
 * the newest RELEVANCE_WINDOW matches by how much of the text the terms cover, and pages
 * through that ranking. Every result carries the position (conversation_id + seq) to jump to and
 * a highlighted snippet (search-snippet.ts).
 */
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { decodeOpaqueCursor, encodeOpaqueCursor, invalidCursor, isCursorId } from '../../common/cursor/opaque-cursor';
import { InjectConfig } from '../../config/config.util';
import { BROADCAST_CONVERSATION_ID, WireMessage } from '../../shared/protocol/messages/message.messages';
import { MessageSearchRequest } from '../../shared/protocol/messages/search.messages';
import { encodeConversationCursor } from './cursor';
import { HistoryService, visibleFrom } from './history.service';
import { MessageConfig, messageConfig } from './message.config';
import { toWire } from './message.mapper';
import { MessageRepository } from './message.repository';
import { MessageSearchRepository, SearchScope } from './message-search.repository';
import { validationFailed } from './message.service';
import { fittingCount } from './page-budget';
import { parseSearchQuery } from './search-query';
import { relevance, snippet, SnippetPart } from './search-snippet';

/** How many of the newest matches order: "relevance" ranks (and pages through). */
export const RELEVANCE_WINDOW = 200;

export interface SearchResult {
  conversation_id: string;
  seq: number;
  history_cursor: string;
  message_id: string;
  sender_id: string;
  sent_at: number;
  snippet: SnippetPart[];
  message: WireMessage;
}

export interface SearchPage {
  order: 'newest' | 'relevance';
  results: SearchResult[];
  has_more: boolean;
  next_cursor: string | null;
}

@Injectable()
export class MessageSearchService {
  constructor(
    @InjectConfig(messageConfig) private readonly config: MessageConfig,
    private readonly history: HistoryService,
    private readonly messages: MessageRepository,
    private readonly repository: MessageSearchRepository,
  ) {}

  async search(userId: string, dto: MessageSearchRequest): Promise<SearchPage> {
    const limit = dto.limit ?? 20;
    if (limit > this.config.historyMax) throw validationFailed('limit', `must be at most ${this.config.historyMax} (got ${limit}); page with next_cursor`);
    const order = dto.order ?? 'newest';
    const q = parseSearchQuery(dto.query);
    const conversationId = agree('conversation_id', dto.conversation_id, q.conversationId);
    const fromUser = agree('from_user', dto.from_user, q.fromUser);
    const beforeMs = minOf(dto.before !== undefined ? dto.before * 1000 : undefined, q.beforeMs);
    const afterMs = maxOf(dto.after !== undefined ? dto.after * 1000 : undefined, q.afterMs);
    const hasFile = dto.has_file === true || q.hasFile === true;
    // The cursor belongs to this search: the same query, filters and order.
    const fingerprint = createHash('sha256').update(JSON.stringify([q.terms, conversationId, fromUser, beforeMs, afterMs, hasFile, order])).digest('base64url').slice(0, 12);
    const position = dto.cursor !== undefined ? decodeSearchCursor(dto.cursor, fingerprint, order) : undefined;

    // Access first, as message/history: a conversation I am not in answers like one that does not exist.
    const scope = conversationId !== undefined ? await this.oneConversation(userId, conversationId) : await this.everything(userId);
    const filter = { terms: q.terms, fromUser, hasFile, beforeMs, afterMs };
    if (order === 'newest') {
      const rows = await this.repository.search(scope, { ...filter, before: position as string | undefined, limit: limit + 1 });
      const page = this.fit(rows.slice(0, limit).map((r) => result(toWire(r.message), q.terms)));
      const hasMore = rows.length > page.length;
      const last = rows[page.length - 1];
      return { order, results: page, has_more: hasMore, next_cursor: hasMore && last ? encodeOpaqueCursor({ k: 'q', h: fingerprint, o: 'n', p: last.position }) : null };
    }
    const offset = (position as number | undefined) ?? 0;
    const rows = await this.repository.search(scope, { ...filter, limit: RELEVANCE_WINDOW });
    const ranked = rows
      .map((r) => ({ wire: toWire(r.message), score: relevance(textOf(r.message.content), q.terms) }))
      .sort((a, b) => b.score - a.score || (a.wire.message_id < b.wire.message_id ? 1 : -1));
    const page = this.fit(ranked.slice(offset, offset + limit).map((r) => result(r.wire, q.terms)));
    const hasMore = ranked.length > offset + page.length;
    return { order, results: page, has_more: hasMore, next_cursor: hasMore ? encodeOpaqueCursor({ k: 'q', h: fingerprint, o: 'r', p: offset + page.length }) : null };
  }

  private async oneConversation(userId: string, conversationId: string): Promise<SearchScope> {
    const from = await this.history.readableFrom(userId, conversationId);
    if (from === 'empty') return { conversationIds: [], floors: [] };
    return { conversationIds: [conversationId], floors: from > 0 ? [{ conversationId, from }] : [] };
  }

  /** Every conversation I am a member of (from where I may read it) and the broadcast conversation. */
  private async everything(userId: string): Promise<SearchScope> {
    const memberships = await this.messages.memberships(userId);
    const scope: SearchScope = { conversationIds: [], floors: [] };
    for (const m of memberships) {
      scope.conversationIds.push(m.conversationId);
      const from = visibleFrom(m);
      if (from > 0) scope.floors.push({ conversationId: m.conversationId, from });
    }
    if (await this.messages.findConversation(BROADCAST_CONVERSATION_ID)) scope.conversationIds.push(BROADCAST_CONVERSATION_ID);
    return scope;
  }

  /** Cut by size like a history page (page-budget.ts): has_more covers a size-cut page. */
  private fit(results: SearchResult[]): SearchResult[] {
    return results.slice(0, fittingCount(results.map((r) => r.message)));
  }
}

function result(wire: WireMessage, terms: string[]): SearchResult {
  return {
    conversation_id: wire.conversation_id,
    seq: wire.seq,
    // message/history before = seq + 1: the page that ends with this message.
    history_cursor: encodeConversationCursor({ conversationId: wire.conversation_id, direction: 'before', seq: wire.seq + 1 }),
    message_id: wire.message_id,
    sender_id: wire.sender_id,
    sent_at: wire.sent_at,
    snippet: snippet(textOf(wire.content), terms),
    message: wire,
  };
}

function textOf(content: Record<string, unknown>): string {
  return typeof content.text === 'string' ? content.text : '';
}

/** A filter given both as a field and in the query must name the same thing. */
function agree(field: string, fromField: string | undefined, fromQuery: string | undefined): string | undefined {
  if (fromField !== undefined && fromQuery !== undefined && fromField !== fromQuery) {
    throw validationFailed(field, `says ${fromField} but the query says ${fromQuery}; give one`);
  }
  return fromField ?? fromQuery;
}

function minOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

function maxOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

function decodeSearchCursor(cursor: string, fingerprint: string, order: 'newest' | 'relevance'): string | number {
  const message = 'cursor is not a message/search cursor; pass the next_cursor of the previous page of the same search unchanged';
  const doc = decodeOpaqueCursor(cursor, message);
  if (doc.k !== 'q') throw invalidCursor(message);
  if (doc.h !== fingerprint || doc.o !== (order === 'newest' ? 'n' : 'r')) throw invalidCursor('cursor belongs to another search (query, filters or order changed); start again without a cursor');
  if (order === 'newest' && isCursorId(doc.p, 40)) return doc.p;
  if (order === 'relevance' && Number.isSafeInteger(doc.p) && (doc.p as number) > 0 && (doc.p as number) < RELEVANCE_WINDOW) return doc.p as number;
  throw invalidCursor(message);
}

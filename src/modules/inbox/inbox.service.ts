/**
 * The inbox: conversation/list (my conversations by latest activity with last message, unread
 * and mention counts and mute), conversation/read (my read position, moved for all my devices)
 * and conversation/mute. Conversations and positions are the conversation module's; messages,
 * counts and receipts the message module's — this module only combines their ports.
 */
import { Injectable } from '@nestjs/common';
import { ProtocolError } from '../../shared/protocol';
import type { WireMessage } from '../../shared/protocol/messages/message.messages';
import { fieldError } from '../../shared/protocol/validator';
import { EventPublisher } from '../../transport/event-publisher';
import { ConversationInboxRepository, ConversationRepository, MUTED_FOREVER } from '../conversation';
import { MessageSummaries, ReceiptService, visibleFrom } from '../message';
import { PinCounts } from '../pin';
import { decodeInboxCursor, encodeInboxCursor } from './inbox-cursor';
import { InboxCommands } from './inbox.commands';
import { ConversationListRequest, ConversationListResponse, ConversationMuteRequest, ConversationMuteResponse, ConversationReadRequest, ConversationReadResponse, ConversationSummaryDto, INBOX_PAGE_DEFAULT } from './inbox.dto';

const PREVIEW_CHARS = 100;

/** The answer for a conversation the caller is not in, the same as for one that does not exist. */
export function notAMember(conversationId: string): ProtocolError {
  return new ProtocolError('NOT_A_MEMBER', `you are not a member of conversation ${conversationId} (or it does not exist)`);
}

/** A short plain-text line for a conversation list: the text, or `[<type>]`; null for a tombstone. */
export function previewOf(message: WireMessage | null): string | null {
  if (!message || message.recalled_at !== undefined) return null;
  const content = message.content as unknown as Record<string, unknown>;
  if (typeof content.text === 'string' && content.text.length > 0) {
    const chars = Array.from(content.text.replace(/\s+/g, ' ').trim());
    return chars.length > PREVIEW_CHARS ? `${chars.slice(0, PREVIEW_CHARS - 1).join('')}…` : chars.join('');
  }
  return `[${typeof content.type === 'string' ? content.type : 'message'}]`;
}

@Injectable()
export class InboxService {
  constructor(
    private readonly inbox: ConversationInboxRepository,
    private readonly conversations: ConversationRepository,
    private readonly summaries: MessageSummaries,
    private readonly receipts: ReceiptService,
    private readonly publisher: EventPublisher,
    private readonly pins: PinCounts,
  ) {}

  async list(userId: string, dto: ConversationListRequest, now = Date.now()): Promise<ConversationListResponse> {
    const limit = dto.limit ?? INBOX_PAGE_DEFAULT;
    const after = dto.cursor !== undefined ? decodeInboxCursor(dto.cursor) : undefined;
    const rows = await this.inbox.page(userId, limit + 1, after);
    const page = rows.slice(0, limit);
    const directs = page.filter((r) => r.kind === 'direct').map((r) => r.conversationId);
    const [peers, pinned, summaries] = await Promise.all([
      this.conversations.directPeers(directs, userId),
      this.pins.of(page.map((r) => r.conversationId)),
      this.summaries.summarize(
        userId,
        page.map((r) => ({ conversationId: r.conversationId, lastSeq: r.lastSeq, readSeq: r.readSeq, visibleFrom: visibleFrom(r) })),
      ),
    ]);
    const conversations = page.map((r): ConversationSummaryDto => {
      const summary = summaries.get(r.conversationId);
      const muted = r.mutedUntil !== null && r.mutedUntil > now;
      const last = summary?.lastMessage ?? null;
      return {
        conversation_id: r.conversationId,
        kind: r.kind as 'direct' | 'group',
        title: r.kind === 'group' ? r.name : null,
        ...(r.kind === 'direct' && peers.has(r.conversationId) ? { peer_id: peers.get(r.conversationId) } : {}),
        last_activity_at: r.activityAt,
        last_seq: r.lastSeq,
        read_seq: r.readSeq,
        last_message: last,
        preview: previewOf(last),
        unread_count: summary?.unreadCount ?? 0,
        mention_count: summary?.mentionCount ?? 0,
        muted,
        muted_until: muted && r.mutedUntil !== MUTED_FOREVER ? r.mutedUntil : null,
        pinned_count: pinned.get(r.conversationId) ?? 0,
      };
    });
    const last = page[page.length - 1];
    const hasMore = rows.length > limit;
    return {
      status: 200,
      conversations,
      has_more: hasMore,
      next_cursor: hasMore && last ? encodeInboxCursor({ activityAt: last.activityAt, conversationId: last.conversationId }) : null,
    };
  }

  /**
   * Moves my read position (message/ack `read` semantics: never backwards, receipts to the
   * senders) and tells my other connections, on any node, when it moved.
   */
  async read(userId: string, connectionId: string, dto: ConversationReadRequest): Promise<ConversationReadResponse> {
    const before = await this.conversations.findMembership(dto.conversation_id, userId);
    if (!before) throw notAMember(dto.conversation_id);
    const moved = await this.receipts.ack(userId, { conversation_id: dto.conversation_id, seq: dto.seq, state: 'read' });
    if (moved.read_seq > before.readSeq) {
      const event = { conversation_id: dto.conversation_id, read_seq: moved.read_seq };
      await this.publisher.toUsers([userId], InboxCommands.READ.name, event, { excludeConnection: connectionId });
    }
    return { status: 200, conversation_id: dto.conversation_id, read_seq: moved.read_seq };
  }

  async mute(userId: string, connectionId: string, dto: ConversationMuteRequest, now = Date.now()): Promise<ConversationMuteResponse> {
    if (!dto.muted && dto.until !== undefined) throw fieldError('until', 'until applies to muted: true only (omit it to unmute)');
    if (dto.muted && dto.until !== undefined && (dto.until <= now || dto.until >= MUTED_FOREVER)) {
      throw fieldError('until', `until must be a future time in epoch milliseconds (now is ${now}); omit it to mute until unmuted`);
    }
    const stored = dto.muted ? (dto.until ?? MUTED_FOREVER) : null;
    if (!(await this.inbox.setMute(dto.conversation_id, userId, stored))) throw notAMember(dto.conversation_id);
    const state = { conversation_id: dto.conversation_id, muted: dto.muted, muted_until: dto.muted && dto.until !== undefined ? dto.until : null };
    await this.publisher.toUsers([userId], InboxCommands.MUTE.name, state, { excludeConnection: connectionId });
    return { status: 200, ...state };
  }
}

/**
 * message/edit and message/recall. Every change is an entry of the conversation's ordered
 * stream (`message.edited`, `message.recalled`, appended through ConversationStream with
 * `ref_seq` = the message's seq), so a device that was offline learns about it through history
 * sync and offline batches, in order, once, on any node; the message row itself is changed too,
 * so history returns the latest content (or the tombstone).
 *
 * Edit: entry first, then the row (the row keeps the content of the newest edit entry, see
 * MessageRepository.applyEdit). Recall: the other modules' hooks, then the erase, then the entry
 * — erasing before announcing means a failure leaves the message erased, never announced but
 * still readable; a retry (same user) appends the missing entry (idempotency key per message).
 */
import { Injectable } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { ProtocolError } from '../../shared/protocol';
import { BROADCAST_CONVERSATION_ID, EditMessageRequest, MessageChangeResponse, MessageRefRequest, RecallMessageRequest, SendMessageRequest } from '../../shared/protocol/messages/message.messages';
import { ConversationStream } from './conversation-stream.service';
import type { MessageEntity } from './entities/message.entity';
import { HistoryService } from './history.service';
import { MessageConfig, messageConfig } from './message.config';
import { RECALLED_CONTENT, toWire } from './message.mapper';
import { MessageRecallHooks } from './message-recall-hooks';
import { MessageRepository } from './message.repository';
import { MessageSendChecks } from './message-send-checks';
import { validationFailed } from './message.service';
import { MESSAGE_MAX_BYTES } from './page-budget';

export const EDITED_KIND = 'message.edited';
export const RECALLED_KIND = 'message.recalled';

export interface ChangeContext {
  userId: string;
  /** Excluded from the push: it has the response. */
  connectionId?: string;
  /** The request id: an edit's idempotency key. */
  requestId: string;
}

@Injectable()
export class MessageChangeService {
  constructor(
    @InjectConfig(messageConfig) private readonly config: MessageConfig,
    private readonly repository: MessageRepository,
    private readonly history: HistoryService,
    private readonly stream: ConversationStream,
    private readonly checks: MessageSendChecks,
    private readonly recallHooks: MessageRecallHooks,
  ) {}

  async edit(ctx: ChangeContext, dto: EditMessageRequest): Promise<MessageChangeResponse> {
    const message = await this.target(ctx.userId, dto);
    if (message.recalledAt) throw recalled(dto);
    if (message.senderId !== ctx.userId) throw new ProtocolError('NOT_AUTHOR', `seq ${dto.seq} of ${dto.conversation_id} was sent by someone else; only its author may edit it`, 403);
    if (this.config.editWindowMs > 0 && Date.now() - message.sentAt > this.config.editWindowMs) {
      throw new ProtocolError('EDIT_WINDOW_EXPIRED', `messages can be edited for ${this.config.editWindowMs / 1000} s after sending; seq ${dto.seq} is older (send a new message instead)`, 403);
    }
    const originalType = (message.content as { type?: unknown }).type;
    if (dto.content.type !== originalType) throw validationFailed('content.type', `must stay "${String(originalType)}" (an edit replaces the content, it does not change its type)`);
    const text = dto.content.text;
    if (typeof text === 'string' && text.length > this.config.maxText) throw validationFailed('content.text', `must be at most ${this.config.maxText} characters (got ${text.length})`);
    const content = JSON.stringify(dto.content);
    const size = Buffer.byteLength(content, 'utf8') + Buffer.byteLength(JSON.stringify(message.attachments), 'utf8') + Buffer.byteLength(JSON.stringify(message.meta), 'utf8');
    // The entry carries the content plus a few ids: both must fit a page on their own.
    if (size > MESSAGE_MAX_BYTES - 256) throw validationFailed('content', `the edited message is ${size} bytes as JSON; at most ${MESSAGE_MAX_BYTES - 256}`);
    // The same module checks as a send (e.g. files the new content names must be shareable).
    const sendLike = { target: { type: 'group', id: dto.conversation_id }, conversation_id: dto.conversation_id, content: dto.content, attachments: [], meta: {} } as unknown as SendMessageRequest;
    const checked = this.checks.run({ senderId: ctx.userId, conversationId: dto.conversation_id, dto: sendLike });
    if (checked) await checked;

    const { entry, duplicate } = await this.stream.append({
      conversationId: dto.conversation_id,
      actorId: ctx.userId,
      kind: EDITED_KIND,
      data: { message_id: message.id, seq: message.seq, content: dto.content },
      idempotencyKey: ctx.requestId,
      refSeq: message.seq,
      excludeConnection: ctx.connectionId,
    });
    if ((entry.ref_seq ?? -1) !== message.seq) throw new ProtocolError('IDEMPOTENCY_CONFLICT', 'request id was already used for another change; use a new id', 409);
    const applied = await this.repository.applyEdit(message.id, message.conversationId, message.seq, entry.seq, JSON.stringify((entry.content as { content?: unknown }).content ?? dto.content), entry.sent_at_ms);
    if (!applied) {
      // Recalled between our check and the append: the entry just stored must not keep the text.
      await this.repository.eraseEdits(message, editTombstone);
      throw recalled(dto);
    }
    const now = await this.repository.findById(message.id);
    return { status: 200, message: toWire(now!), entry, ...(duplicate ? { duplicate } : {}) };
  }

  async recall(ctx: ChangeContext, dto: RecallMessageRequest): Promise<MessageChangeResponse> {
    const message = await this.target(ctx.userId, dto);
    const member = await this.repository.findMember(message.conversationId, ctx.userId);
    const conversation = await this.repository.findConversation(message.conversationId);
    const moderator = conversation?.kind === 'group' && (member?.role === 'owner' || member?.role === 'admin');
    if (message.recalledAt) {
      // Already recalled: by me, this is a retry (append the entry if a failure lost it).
      if (message.recalledBy !== ctx.userId) throw recalled(dto);
      return this.announceRecall(ctx, message, message.recalledAt);
    }
    if (message.senderId !== ctx.userId && !moderator) {
      throw new ProtocolError('NOT_AUTHOR', `seq ${dto.seq} of ${dto.conversation_id} was sent by someone else; only its author or a group owner/admin may recall it`, 403);
    }
    if (!moderator && this.config.recallWindowMs > 0 && Date.now() - message.sentAt > this.config.recallWindowMs) {
      throw new ProtocolError('RECALL_WINDOW_EXPIRED', `messages can be recalled for ${this.config.recallWindowMs / 1000} s after sending; seq ${dto.seq} is older (a group owner or admin can still remove it)`, 403);
    }
    await this.recallHooks.run({
      conversationId: message.conversationId,
      seq: message.seq,
      messageId: message.id,
      senderId: message.senderId,
      recalledBy: ctx.userId,
      content: message.content,
      attachments: message.attachments,
    });
    const recalledAt = Date.now();
    const erased = await this.repository.erase(message, ctx.userId, recalledAt, { ...RECALLED_CONTENT }, editTombstone);
    if (!erased) {
      // Someone recalled it meanwhile: answer as for a message found recalled.
      const now = await this.repository.findById(message.id);
      if (now?.recalledBy !== ctx.userId) throw recalled(dto);
      return this.announceRecall(ctx, now, now.recalledAt!);
    }
    return this.announceRecall(ctx, message, recalledAt);
  }

  private async announceRecall(ctx: ChangeContext, message: MessageEntity, recalledAt: number): Promise<MessageChangeResponse> {
    const { entry, duplicate } = await this.stream.append({
      conversationId: message.conversationId,
      actorId: ctx.userId,
      kind: RECALLED_KIND,
      data: { message_id: message.id, seq: message.seq, recalled_by: ctx.userId, recalled_at: Math.floor(recalledAt / 1000) },
      idempotencyKey: `recall:${message.id}`,
      refSeq: message.seq,
      excludeConnection: ctx.connectionId,
    });
    const now = await this.repository.findById(message.id);
    return { status: 200, message: toWire(now!), entry, ...(duplicate ? { duplicate } : {}) };
  }

  /**
   * The message at (conversation, seq) if the user may read it: NOT_A_MEMBER for a conversation
   * they are not in (the answer for one that does not exist), NOT_FOUND for a seq they cannot see
   * or that holds no message (a stream entry is not a message).
   */
  private async target(userId: string, dto: MessageRefRequest): Promise<MessageEntity> {
    if (dto.conversation_id === BROADCAST_CONVERSATION_ID) throw new ProtocolError('FORBIDDEN', 'broadcasts cannot be edited or recalled', 403);
    const from = await this.history.readableFrom(userId, dto.conversation_id);
    const message = from === 'empty' ? null : await this.repository.findBySeq(dto.conversation_id, dto.seq);
    if (!message || from === 'empty' || message.seq <= from || message.kind !== 'message') {
      throw new ProtocolError('NOT_FOUND', `no message at seq ${dto.seq} of conversation ${dto.conversation_id}`, 404);
    }
    return message;
  }
}

/** What a `message.edited` entry keeps once its message is recalled: which message, not the text. */
function editTombstone(data: Record<string, unknown>): Record<string, unknown> {
  return { message_id: data.message_id, seq: data.seq, content: { ...RECALLED_CONTENT } };
}

function recalled(dto: MessageRefRequest): ProtocolError {
  return new ProtocolError('MESSAGE_RECALLED', `seq ${dto.seq} of ${dto.conversation_id} was recalled; it cannot be changed any more`, 409);
}

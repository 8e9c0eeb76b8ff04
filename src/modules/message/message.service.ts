/**
 * message/send: validate, authorize, de-duplicate, store (one atomic write), answer, push.
 *
 * Store first, push second: the 200 answer and the live push both happen only after the commit,
 * so a message someone has seen is never lost. Live pushes are best effort (droppable for slow
 * consumers); what a device missed comes back through offline batches and history/sync.
 */
import { Injectable, Logger } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { MessageConfig, messageConfig } from './message.config';
import { MessageCommands, ProtocolError, validationError } from '../../shared/protocol';
import {
  BROADCAST_CONVERSATION_ID,
  SendMessageRequest,
  SendMessageResponse,
} from '../../shared/protocol/messages/message.messages';
import { EventPublisher } from '../../transport/event-publisher';
import { contentHash } from './content-hash';
import type { ConversationKind } from '../conversation';
import { DirectMessageGate } from './direct-message-gate';
import type { MessageEntity } from './entities/message.entity';
import { MessageMetrics } from './message-metrics';
import { newMessageId } from './message-id';
import { jsonBytes, MESSAGE_MAX_BYTES } from './page-budget';
import { directConversationId, toWire } from './message.mapper';
import { ConversationMissingError, MessageRepository } from './message.repository';
import { PushSequencer } from './push-sequencer';
import { UserDirectory } from './user-directory';

export interface SendContext {
  senderId: string;
  /** The sender's connection: excluded from the push (it has the response). */
  connectionId: string;
  /** The request envelope id: the idempotency key. */
  requestId: string;
}

interface Resolved {
  conversationId: string;
  kind: ConversationKind;
  /** Users to push to (sender included: their other devices); undefined = everyone (broadcast). */
  recipients?: string[];
  directMembers?: [string, string];
}

export function notAMember(conversationId: string): ProtocolError {
  return new ProtocolError('NOT_A_MEMBER', `you are not a member of conversation ${conversationId} (or it does not exist)`);
}

export function validationFailed(field: string, problem: string): ProtocolError {
  return validationError([{ field, problems: [problem] }]);
}

@Injectable()
export class MessageService {
  private readonly logger = new Logger('MessageService');

  constructor(
    @InjectConfig(messageConfig) private readonly config: MessageConfig,
    private readonly repository: MessageRepository,
    private readonly users: UserDirectory,
    private readonly publisher: EventPublisher,
    private readonly sequencer: PushSequencer,
    private readonly metrics: MessageMetrics,
    private readonly gate: DirectMessageGate,
  ) {}

  async send(ctx: SendContext, dto: SendMessageRequest): Promise<SendMessageResponse> {
    this.checkLimits(dto);
    const attachments = dto.attachments ?? [];
    const meta = dto.meta ?? {};
    const hash = contentHash({ target: dto.target, content: dto.content, attachments, meta });

    // A retry is answered from storage before anything else is checked: the original send was
    // authorized, and its answer must not change because e.g. the sender left the group since.
    const previous = await this.repository.findByClientId(ctx.senderId, ctx.requestId);
    if (previous) {
      if (previous.sentAt >= Date.now() - this.config.dedupTtlMs) return this.answerRetry(previous, hash);
      await this.repository.releaseClientId(previous.id);
    }

    const target = await this.resolveTarget(ctx.senderId, dto);
    const replyTo = meta.reply_to;
    if (typeof replyTo === 'string' && !(await this.repository.findInConversation(target.conversationId, replyTo))) {
      throw new ProtocolError('NOT_FOUND', `meta.reply_to: message ${replyTo} is not in conversation ${target.conversationId}`);
    }

    const ticket = this.sequencer.begin(target.conversationId);
    let result;
    try {
      result = await this.repository.append({
        id: newMessageId(),
        conversationId: target.conversationId,
        kind: target.kind,
        directMembers: target.directMembers,
        senderId: ctx.senderId,
        clientMsgId: ctx.requestId,
        contentHash: hash,
        content: dto.content,
        attachments,
        meta,
      });
    } catch (err) {
      ticket.cancelled();
      if (err instanceof ConversationMissingError) throw notAMember(target.conversationId);
      if (!MessageRepository.isUniqueViolation(err)) throw err;
      // Two identical sends raced: the other one committed first. Answer like a retry.
      const winner = await this.repository.findByClientId(ctx.senderId, ctx.requestId);
      if (!winner) throw err;
      return this.answerRetry(winner, hash);
    }
    if (result.duplicate) {
      ticket.cancelled();
      return this.answerRetry(result.stored, hash);
    }

    const stored = result.stored;
    // Settle the ticket first: an unsettled ticket would hold this conversation's pushes forever.
    ticket.stored(stored.seq, () => this.push(stored, target, ctx.connectionId));
    this.metrics.persisted();
    return this.response(stored);
  }

  private checkLimits(dto: SendMessageRequest): void {
    // @ValidateNested validates an array's elements, so `target: [{...}]` passed the DTO checks
    // and reached resolveTarget with no type (a 500).
    if (Array.isArray(dto.target)) throw validationFailed('target', 'must be an object {"type": "user" | "group" | "broadcast", "id": ...}, not an array');
    const text = dto.content.text;
    if (typeof text === 'string' && text.length > this.config.maxText) {
      throw validationFailed('content.text', `must be at most ${this.config.maxText} characters (got ${text.length}); split the message or send a file`);
    }
    if (dto.attachments && dto.attachments.length > this.config.maxAttachments) {
      throw validationFailed('attachments', `at most ${this.config.maxAttachments} attachments per message (got ${dto.attachments.length})`);
    }
    // Every stored message must fit a history page / offline batch frame on its own (page-budget.ts).
    const sizes = { content: jsonBytes(dto.content), attachments: jsonBytes(dto.attachments ?? []), meta: jsonBytes(dto.meta ?? {}) };
    const total = sizes.content + sizes.attachments + sizes.meta;
    if (total > MESSAGE_MAX_BYTES) {
      const largest = (Object.keys(sizes) as (keyof typeof sizes)[]).reduce((a, b) => (sizes[b] > sizes[a] ? b : a));
      throw validationFailed(largest, `the message is ${total} bytes as JSON (content + attachments + meta); at most ${MESSAGE_MAX_BYTES}: send large data through the file channel`);
    }
  }

  private answerRetry(stored: MessageEntity, hash: string): SendMessageResponse {
    if (stored.contentHash !== hash) {
      throw new ProtocolError(
        'IDEMPOTENCY_CONFLICT',
        `request id was already used for a different message (${stored.id}); use a new id for a new message and the same id only to retry the same one`,
        409,
        { message_id: stored.id },
      );
    }
    this.metrics.deduplicated();
    return { ...this.response(stored), duplicate: true };
  }

  private response(m: MessageEntity): SendMessageResponse {
    return {
      status: 200,
      message_id: m.id,
      conversation_id: m.conversationId,
      seq: m.seq,
      sent_at: Math.floor(m.sentAt / 1000),
      sent_at_ms: m.sentAt,
    };
  }

  private async resolveTarget(senderId: string, dto: SendMessageRequest): Promise<Resolved> {
    const { target } = dto;
    const expect = (expected: string, why: string) => {
      if (dto.conversation_id !== undefined && dto.conversation_id !== '' && dto.conversation_id !== expected) {
        throw validationFailed('conversation_id', `must be "${expected}" ${why} (or omit it)`);
      }
    };
    if (target.type === 'broadcast') {
      expect(BROADCAST_CONVERSATION_ID, 'for a broadcast');
      if (!(await this.users.isAdmin(senderId))) throw new ProtocolError('FORBIDDEN', 'only administrators may broadcast', 403);
      return { conversationId: BROADCAST_CONVERSATION_ID, kind: 'broadcast' };
    }
    const targetId = target.id!;
    if (target.type === 'user') {
      if (targetId === senderId) throw validationFailed('target.id', 'must be another user (direct messages go to someone else)');
      const conversationId = directConversationId(senderId, targetId);
      expect(conversationId, `for a direct message between ${senderId} and ${targetId}`);
      if ((await this.users.exists([targetId])).length === 0) throw new ProtocolError('USER_NOT_FOUND', `user ${targetId} does not exist`);
      // DIRECT_MESSAGE_POLICY and blocks (contacts module); synchronous undefined when allowed.
      const refusal = this.gate.checkDirect(senderId, targetId);
      if (refusal) await refusal;
      return { conversationId, kind: 'direct', recipients: [senderId, targetId], directMembers: [senderId, targetId] };
    }
    expect(targetId, 'for a message to group ' + targetId);
    // A missing group answers like a group I am not in (as the group commands do): ids cannot be probed.
    const conversation = await this.repository.findConversation(targetId);
    const members = conversation?.kind === 'group' ? await this.repository.memberIds(targetId) : [];
    if (!members.includes(senderId)) throw notAMember(targetId);
    return { conversationId: targetId, kind: 'group', recipients: members };
  }

  private push(stored: MessageEntity, target: Resolved, senderConnection: string): void {
    const payload = { status: 200, message: toWire(stored) };
    const options = {
      excludeConnection: senderConnection,
      droppable: true,
      priority: stored.meta?.priority === 'high' ? ('high' as const) : ('normal' as const),
    };
    const published = target.recipients
      ? this.publisher.toUsers(target.recipients, MessageCommands.EVENT.name, payload, options)
      : this.publisher.toAll(MessageCommands.EVENT.name, payload, options);
    this.metrics.pushedLive();
    published.catch((err: Error) => this.logger.warn(`push of ${stored.id} failed (clients catch up via sync): ${err.message}`));
  }
}

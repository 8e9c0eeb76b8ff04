/**
 * message/send: validate, resolve the target, queue the write (group commit: membership check,
 * de-duplication and seq allocation happen inside the write's transaction, see MessageWriter),
 * answer, push.
 *
 * Store first, push second: the 200 answer and the live push both happen only after the commit,
 * so a message someone has seen is never lost. Live pushes are best effort (droppable for slow
 * consumers); what a device missed comes back through offline batches and history/sync.
 *
 * Ordering: sends pipelined on one connection reach here one at a time (ordered handler) and
 * release the connection's lane as soon as their write is queued, so their seqs follow arrival
 * order without each waiting for the previous one's commit.
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
import { MessageMetrics } from './message.metrics';
import { newMessageId } from './message-id';
import { MESSAGE_MAX_BYTES } from './page-budget';
import { directConversationId, toWire } from './message.mapper';
import { MessageRepository } from './message.repository';
import { MessageSendChecks } from './message-send-checks';
import { MessageThreads } from './message-threads';
import { MessageWriter, NewMessage, WriteOutcome } from './message-writer';
import { CommittedEntries } from './committed-entries';
import { UserDirectory } from './user-directory';

export interface SendContext {
  senderId: string;
  /** The sender's connection: excluded from the push (it has the response). */
  connectionId: string;
  /** The request envelope id: the idempotency key. */
  requestId: string;
  /** Lets the connection's next ordered frame start (called once this send's write is queued). */
  releaseOrder?: () => void;
}

interface Resolved {
  conversationId: string;
  kind: ConversationKind;
  directMembers?: [string, string];
}

/** Users known to exist (users are disabled, never deleted): bounded, oldest dropped first. */
const KNOWN_USERS_MAX = 100_000;

export function notAMember(conversationId: string): ProtocolError {
  return new ProtocolError('NOT_A_MEMBER', `you are not a member of conversation ${conversationId} (or it does not exist)`);
}

export function validationFailed(field: string, problem: string): ProtocolError {
  return validationError([{ field, problems: [problem] }]);
}

@Injectable()
export class MessageService {
  private readonly logger = new Logger('MessageService');
  private readonly knownUsers = new Set<string>();

  constructor(
    @InjectConfig(messageConfig) private readonly config: MessageConfig,
    private readonly repository: MessageRepository,
    private readonly users: UserDirectory,
    private readonly publisher: EventPublisher,
    private readonly writer: MessageWriter,
    private readonly metrics: MessageMetrics,
    private readonly gate: DirectMessageGate,
    private readonly checks: MessageSendChecks,
    private readonly threads: MessageThreads,
    private readonly committed: CommittedEntries,
  ) {}

  async send(ctx: SendContext, dto: SendMessageRequest): Promise<SendMessageResponse> {
    try {
      return await this.store(ctx, dto);
    } finally {
      // Refused before its write was queued: the next send may go as well.
      ctx.releaseOrder?.();
    }
  }

  private async store(ctx: SendContext, dto: SendMessageRequest): Promise<SendMessageResponse> {
    const attachments = dto.attachments ?? [];
    const meta = dto.meta ?? {};
    // Serialized once: sized here, stored as is by the writer.
    const json = { content: JSON.stringify(dto.content), attachments: JSON.stringify(attachments), meta: JSON.stringify(meta) };
    this.checkLimits(dto, json);
    const hash = contentHash({ target: dto.target, content: dto.content, attachments, meta });
    let target: Resolved;
    let threadRootSeq: number | undefined;
    try {
      target = await this.resolveTarget(ctx.senderId, dto);
      const replyTo = meta.reply_to;
      if (typeof replyTo === 'string' && !(await this.repository.findInConversation(target.conversationId, replyTo))) {
        throw new ProtocolError('NOT_FOUND', `meta.reply_to: message ${replyTo} is not in conversation ${target.conversationId}`);
      }
      // A thread reply (message-threads.ts): read only when the send names a root.
      if (typeof meta.thread_root === 'string') threadRootSeq = await this.threads.rootSeq(target.conversationId, meta.thread_root);
      // Other modules' checks (e.g. files the message names); undefined when none is registered.
      const checked = this.checks.run({ senderId: ctx.senderId, conversationId: target.conversationId, dto });
      if (checked) await checked;
    } catch (err) {
      // A retry is answered from storage even if it would be refused now (e.g. blocked since):
      // the original was accepted. Read only on this refusal path.
      const previous = ProtocolError.is(err) ? await this.repository.findByClientId(ctx.senderId, ctx.requestId) : null;
      if (previous && previous.sentAt >= Date.now() - this.config.dedupTtlMs) return this.answerRetry(previous, hash);
      throw err;
    }
    const message: NewMessage = {
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
      json,
    };
    if (threadRootSeq !== undefined) message.refSeq = threadRootSeq;
    // Pushed from the writer's commit callback: in commit (= seq) order per conversation.
    const onCommitted = (o: WriteOutcome) => {
      if (o.status !== 'stored') return;
      this.push(o.stored, o.recipients, ctx.connectionId);
      // Observers (push notifications) queue it and return: nothing here waits for them.
      this.committed.emit(o.stored, o.recipients);
    };
    const written = this.writer.write(message, onCommitted);
    ctx.releaseOrder?.();
    let outcome = await written;
    if (outcome.status === 'duplicate' && outcome.stored.sentAt < Date.now() - this.config.dedupTtlMs) {
      // The dedup window of the earlier message has passed: this id now names a new message.
      await this.repository.releaseClientId(outcome.stored.id);
      outcome = await this.writer.write({ ...message, id: newMessageId() }, onCommitted);
    }
    if (outcome.status === 'not-member') throw notAMember(target.conversationId);
    if (outcome.status === 'duplicate') return this.answerRetry(outcome.stored, hash);
    this.metrics.persisted();
    return this.response(outcome.stored);
  }

  private checkLimits(dto: SendMessageRequest, json: { content: string; attachments: string; meta: string }): void {
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
    const sizes = {
      content: Buffer.byteLength(json.content, 'utf8'),
      attachments: Buffer.byteLength(json.attachments, 'utf8'),
      meta: Buffer.byteLength(json.meta, 'utf8'),
    };
    const total = sizes.content + sizes.attachments + sizes.meta;
    if (total > MESSAGE_MAX_BYTES) {
      const largest = (Object.keys(sizes) as (keyof typeof sizes)[]).reduce((a, b) => (sizes[b] > sizes[a] ? b : a));
      throw validationFailed(largest, `the message is ${total} bytes as JSON (content + attachments + meta); at most ${MESSAGE_MAX_BYTES}: send large data through the file channel`);
    }
  }

  private answerRetry(stored: MessageEntity, hash: string): SendMessageResponse {
    // Recalled since: its hash is erased, but the send it answers was accepted all the same.
    if (stored.contentHash !== hash && !stored.recalledAt) {
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
      await this.assertUserExists(targetId);
      // DIRECT_MESSAGE_POLICY and blocks (contacts module); synchronous undefined when allowed.
      const refusal = this.gate.checkDirect(senderId, targetId);
      if (refusal) await refusal;
      return { conversationId, kind: 'direct', directMembers: [senderId, targetId] };
    }
    expect(targetId, 'for a message to group ' + targetId);
    // Membership is checked inside the write (a member removed meanwhile is refused there); a
    // missing group answers like a group I am not in (as the group commands do).
    return { conversationId: targetId, kind: 'group' };
  }

  private async assertUserExists(userId: string): Promise<void> {
    if (this.knownUsers.has(userId)) return;
    // Word for word what the contacts gate answers for a recipient who blocked the sender (absentRecipient).
    if ((await this.users.exists([userId])).length === 0) throw new ProtocolError('USER_NOT_FOUND', `user ${userId} does not exist`);
    if (this.knownUsers.size >= KNOWN_USERS_MAX) this.knownUsers.delete(this.knownUsers.values().next().value!);
    this.knownUsers.add(userId);
  }

  /** `recipients`: the members at commit (sender included: their other devices); undefined = everyone. */
  private push(stored: MessageEntity, recipients: string[] | undefined, senderConnection: string): void {
    const payload = { status: 200, message: toWire(stored) };
    const options = {
      excludeConnection: senderConnection,
      droppable: true,
      priority: stored.meta?.priority === 'high' ? ('high' as const) : ('normal' as const),
    };
    const published = recipients
      ? this.publisher.toUsers(recipients, MessageCommands.EVENT.name, payload, options)
      : this.publisher.toAll(MessageCommands.EVENT.name, payload, options);
    this.metrics.pushedLive();
    published.catch((err: Error) => this.logger.warn(`push of ${stored.id} failed (clients catch up via sync): ${err.message}`));
  }
}

/**
 * Reactions on messages. Each change is an entry of the conversation's ordered stream
 * (`reaction.added` / `reaction.removed`, `ref_seq` = the message's seq, through the message
 * module's ConversationStream port), so every member's devices — online, offline, on any node —
 * see the same changes in the same order, once. The current counts are this module's table:
 * message/history shows them on each message (`reactions: [{emoji, count, me}]`, through the
 * MessageViewDecorators port), and a recalled message loses them (MessageRecallHooks).
 *
 * Table first, entry second, with an idempotency key derived from the reaction itself: a retry
 * of an add whose entry was lost appends it (or finds it) instead of losing it.
 */
import { Injectable, OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { InjectConfig } from '../../config/config.util';
import { ProtocolError } from '../../shared/protocol';
import type { WireMessage } from '../../shared/protocol/messages/message.messages';
import { ConversationRepository } from '../conversation';
import { ConversationStream, MessageLookup, MessageRecallHooks, MessageViewDecorators } from '../message';
import { ReactionRequest } from './reaction.dto';
import { ReactionConfig, reactionConfig } from './reaction.config';
import { ReactionCount, ReactionRepository } from './reaction.repository';

export const REACTION_ADDED = 'reaction.added';
export const REACTION_REMOVED = 'reaction.removed';

export interface ReactionAnswer {
  conversation_id: string;
  seq: number;
  reactions: ReactionCount[];
  entry?: WireMessage;
}

@Injectable()
export class ReactionService implements OnModuleInit {
  constructor(
    private readonly reactions: ReactionRepository,
    private readonly conversations: ConversationRepository,
    private readonly lookup: MessageLookup,
    private readonly stream: ConversationStream,
    private readonly decorators: MessageViewDecorators,
    private readonly recallHooks: MessageRecallHooks,
    @InjectConfig(reactionConfig) private readonly config: ReactionConfig,
  ) {}

  onModuleInit(): void {
    this.decorators.register((readerId, conversationId, messages) => this.decorate(readerId, conversationId, messages));
    this.recallHooks.register((m) => this.reactions.removeAll(m.conversationId, m.seq));
  }

  async add(userId: string, connectionId: string | undefined, dto: ReactionRequest): Promise<ReactionAnswer> {
    const message = await this.reactable(userId, dto);
    const outcome = await this.reactions.add(dto.conversation_id, dto.seq, userId, dto.emoji, Date.now(), this.config.maxDistinct);
    if (outcome.status === 'limit') {
      throw new ProtocolError('LIMIT_REACHED', `message ${dto.seq} already carries ${this.config.maxDistinct} different reactions; add yourself to one of them`, 409);
    }
    const { entry } = await this.stream.append({
      conversationId: dto.conversation_id,
      actorId: userId,
      kind: REACTION_ADDED,
      data: { message_id: message.message_id, seq: dto.seq, emoji: dto.emoji, user_id: userId },
      idempotencyKey: key('add', dto, outcome.reactedAt),
      refSeq: dto.seq,
      excludeConnection: connectionId,
    });
    return this.answer(userId, dto, entry);
  }

  async remove(userId: string, connectionId: string | undefined, dto: ReactionRequest): Promise<ReactionAnswer> {
    const message = await this.reactable(userId, dto);
    const reactedAt = await this.reactions.remove(dto.conversation_id, dto.seq, userId, dto.emoji);
    // Nothing to take back: nothing changes, no entry (removing is idempotent).
    if (reactedAt === null) return this.answer(userId, dto);
    const { entry } = await this.stream.append({
      conversationId: dto.conversation_id,
      actorId: userId,
      kind: REACTION_REMOVED,
      data: { message_id: message.message_id, seq: dto.seq, emoji: dto.emoji, user_id: userId },
      idempotencyKey: key('remove', dto, reactedAt),
      refSeq: dto.seq,
      excludeConnection: connectionId,
    });
    return this.answer(userId, dto, entry);
  }

  /**
   * The message, if the user may react to it: NOT_A_MEMBER for a conversation they are not in
   * (the answer for one that does not exist), NOT_FOUND for a seq with no message they can read,
   * MESSAGE_RECALLED for a tombstone.
   */
  private async reactable(userId: string, dto: ReactionRequest): Promise<WireMessage> {
    const membership = await this.conversations.findMembership(dto.conversation_id, userId);
    if (!membership) throw new ProtocolError('NOT_A_MEMBER', `you are not a member of conversation ${dto.conversation_id} (or it does not exist)`, 403);
    const message = await this.lookup.findOrNull(userId, { conversationId: dto.conversation_id, seq: dto.seq });
    if (!message || message.kind !== undefined) throw new ProtocolError('NOT_FOUND', `no message at seq ${dto.seq} of conversation ${dto.conversation_id}`, 404);
    if (message.recalled_at !== undefined) throw new ProtocolError('MESSAGE_RECALLED', `seq ${dto.seq} of ${dto.conversation_id} was recalled; it takes no reactions`, 409);
    return message;
  }

  private async answer(userId: string, dto: ReactionRequest, entry?: WireMessage): Promise<ReactionAnswer> {
    const counts = await this.reactions.counts(dto.conversation_id, [dto.seq], userId);
    return { conversation_id: dto.conversation_id, seq: dto.seq, reactions: counts.get(dto.seq) ?? [], ...(entry ? { entry } : {}) };
  }

  private async decorate(readerId: string, conversationId: string, messages: WireMessage[]): Promise<void> {
    const counts = await this.reactions.counts(conversationId, messages.map((m) => m.seq), readerId);
    if (counts.size === 0) return;
    for (const m of messages) {
      const list = counts.get(m.seq);
      if (list) m.reactions = list;
    }
  }
}

/** One reaction instance (who, what, on which message, since when): the same key for its retries. */
function key(what: 'add' | 'remove', dto: ReactionRequest, reactedAt: number): string {
  return createHash('sha256').update(`${what}\u0000${dto.conversation_id}\u0000${dto.seq}\u0000${dto.emoji}\u0000${reactedAt}`).digest('hex').slice(0, 40);
}

/**
 * Pinned messages. Who may pin and unpin: a group's owner and admins; either party of a direct
 * conversation. Any member lists them. Each change is a `pin.added` / `pin.removed` entry of the
 * conversation's ordered stream (ref_seq = the message, through the message module's
 * ConversationStream port), so every device learns about it live or on catching up, in order,
 * once; the current pins are this module's table (pin/list). A recalled message is unpinned
 * (MessageRecallHooks; the `message.recalled` entry tells clients, no `pin.removed` is added).
 */
import { Injectable, OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { InjectConfig } from '../../config/config.util';
import { ProtocolError } from '../../shared/protocol';
import type { WireMessage } from '../../shared/protocol/messages/message.messages';
import { ConversationRepository } from '../conversation';
import { ConversationStream, MessageLookup, MessageRecallHooks } from '../message';
import { PinListRequest, PinRequest } from './pin.dto';
import { PinConfig, pinConfig } from './pin.config';
import { PinRepository } from './pin.repository';

export const PIN_ADDED = 'pin.added';
export const PIN_REMOVED = 'pin.removed';

export interface PinAnswer {
  conversation_id: string;
  seq: number;
  pinned: boolean;
  entry?: WireMessage;
}

export interface PinView {
  seq: number;
  message_id: string;
  pinned_by: string;
  pinned_at: number;
  message: WireMessage;
}

@Injectable()
export class PinService implements OnModuleInit {
  constructor(
    private readonly pins: PinRepository,
    private readonly conversations: ConversationRepository,
    private readonly lookup: MessageLookup,
    private readonly stream: ConversationStream,
    private readonly recallHooks: MessageRecallHooks,
    @InjectConfig(pinConfig) private readonly config: PinConfig,
  ) {}

  onModuleInit(): void {
    this.recallHooks.register(async (m) => void (await this.pins.remove(m.conversationId, m.seq)));
  }

  async add(userId: string, connectionId: string | undefined, dto: PinRequest): Promise<PinAnswer> {
    const message = await this.pinnable(userId, dto);
    const outcome = await this.pins.add({ conversationId: dto.conversation_id, seq: dto.seq, messageId: message.message_id, pinnedBy: userId }, Date.now(), this.config.maxPerConversation);
    if (outcome.status === 'limit') {
      throw new ProtocolError('LIMIT_REACHED', `conversation ${dto.conversation_id} already has ${this.config.maxPerConversation} pinned messages; unpin one first`, 409);
    }
    // Pinned already by someone else: nothing changes, nothing to announce.
    if (outcome.pinnedBy !== userId) return { conversation_id: dto.conversation_id, seq: dto.seq, pinned: true };
    // Added now, or a retry of my own pin: its entry (appended now if a failure lost it).
    const { entry } = await this.stream.append({
      conversationId: dto.conversation_id,
      actorId: userId,
      kind: PIN_ADDED,
      data: { message_id: message.message_id, seq: dto.seq, pinned_by: userId },
      idempotencyKey: key('add', dto, outcome.pinnedAt),
      refSeq: dto.seq,
      excludeConnection: connectionId,
    });
    return { conversation_id: dto.conversation_id, seq: dto.seq, pinned: true, entry };
  }

  async remove(userId: string, connectionId: string | undefined, dto: PinRequest): Promise<PinAnswer> {
    const message = await this.pinnable(userId, dto, true);
    const pinnedAt = await this.pins.remove(dto.conversation_id, dto.seq);
    if (pinnedAt === null) return { conversation_id: dto.conversation_id, seq: dto.seq, pinned: false };
    const { entry } = await this.stream.append({
      conversationId: dto.conversation_id,
      actorId: userId,
      kind: PIN_REMOVED,
      data: { message_id: message.message_id, seq: dto.seq, unpinned_by: userId },
      idempotencyKey: key('remove', dto, pinnedAt),
      refSeq: dto.seq,
      excludeConnection: connectionId,
    });
    return { conversation_id: dto.conversation_id, seq: dto.seq, pinned: false, entry };
  }

  /** Newest pin first; pins of messages the reader may not read (sent before they joined) are left out. */
  async list(userId: string, dto: PinListRequest): Promise<{ conversation_id: string; pins: PinView[] }> {
    await this.membership(userId, dto.conversation_id);
    const views: PinView[] = [];
    for (const pin of await this.pins.list(dto.conversation_id)) {
      const message = await this.lookup.findOrNull(userId, { conversationId: pin.conversationId, seq: pin.seq });
      if (message) views.push({ seq: pin.seq, message_id: pin.messageId, pinned_by: pin.pinnedBy, pinned_at: Math.floor(pin.pinnedAt / 1000), message });
    }
    return { conversation_id: dto.conversation_id, pins: views };
  }

  /**
   * The message, if the user may pin it: NOT_A_MEMBER for a conversation they are not in (the
   * answer for one that does not exist), FORBIDDEN for a plain member of a group, NOT_FOUND for a
   * seq with no message they can read, MESSAGE_RECALLED for a tombstone (pinning only).
   */
  private async pinnable(userId: string, dto: PinRequest, unpinning = false): Promise<WireMessage> {
    const { kind, role } = await this.membership(userId, dto.conversation_id);
    if (kind === 'group' && role !== 'owner' && role !== 'admin') {
      throw new ProtocolError('FORBIDDEN', `only the owner or an admin of ${dto.conversation_id} can ${unpinning ? 'unpin' : 'pin'} messages`, 403);
    }
    const message = await this.lookup.findOrNull(userId, { conversationId: dto.conversation_id, seq: dto.seq });
    if (!message || message.kind !== undefined) throw new ProtocolError('NOT_FOUND', `no message at seq ${dto.seq} of conversation ${dto.conversation_id}`, 404);
    if (!unpinning && message.recalled_at !== undefined) throw new ProtocolError('MESSAGE_RECALLED', `seq ${dto.seq} of ${dto.conversation_id} was recalled; it cannot be pinned`, 409);
    return message;
  }

  private async membership(userId: string, conversationId: string): Promise<{ kind: string; role: string }> {
    const [conversation, member] = await Promise.all([this.conversations.find(conversationId), this.conversations.findMembership(conversationId, userId)]);
    if (!conversation || !member) throw new ProtocolError('NOT_A_MEMBER', `you are not a member of conversation ${conversationId} (or it does not exist)`, 403);
    return { kind: conversation.kind, role: member.role };
  }
}

/** One pin instance (which message, since when): the same key for its retries. */
function key(what: 'add' | 'remove', dto: PinRequest, pinnedAt: number): string {
  return createHash('sha256').update(`${what}\u0000${dto.conversation_id}\u0000${dto.seq}\u0000${pinnedAt}`).digest('hex').slice(0, 40);
}

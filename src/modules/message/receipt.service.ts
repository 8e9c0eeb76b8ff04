/**
 * message/ack: cumulative delivered/read positions per member, and receipt events to senders.
 *
 * A client acks `{conversation_id, seq, state}` meaning "every message up to seq". Positions only
 * move forward; `read` implies `delivered`. For each other sender with messages in the newly
 * covered range, the server sends one `message/ack` event naming that sender's newest covered
 * message (cumulative as well: it covers their earlier ones).
 *
 * Coalescing rule (groups only): receipt events for one (conversation, sender) are collected for
 * MESSAGE_RECEIPT_WINDOW_MS from the first one, keeping each member's newest position per state,
 * then sent as ONE event whose top-level fields are the newest receipt and whose `receipts[]`
 * lists every member's newest position in the window. A sender thus gets at most one receipt
 * event per group per window however many members ack. Direct conversations are not delayed.
 */
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { MessageConfig, messageConfig } from './message.config';
import { MessageCommands } from '../../shared/protocol';
import { AckMessageRequest, BROADCAST_CONVERSATION_ID, ReceiptEventPayload, ReceiptState } from '../../shared/protocol/messages/message.messages';
import { EventPublisher } from '../../transport/event-publisher';
import { DirectMessageGate } from './direct-message-gate';
import { MessageMetrics } from './message.metrics';
import { MessageRepository } from './message.repository';
import { notAMember, validationFailed } from './message.service';
import { OfflineDeliveryService } from './offline-delivery.service';

export interface AckResult {
  conversation_id: string;
  delivered_seq: number;
  read_seq: number;
}

interface Receipt {
  by: string;
  seq: number;
  message_id: string;
  state: ReceiptState;
}

interface Pending {
  timer: NodeJS.Timeout;
  /** Newest receipt per `${by}|${state}`. */
  receipts: Map<string, Receipt>;
}

@Injectable()
export class ReceiptService implements OnModuleDestroy {
  private readonly pending = new Map<string, Pending>();

  constructor(
    @InjectConfig(messageConfig) private readonly config: MessageConfig,
    private readonly repository: MessageRepository,
    private readonly publisher: EventPublisher,
    private readonly offline: OfflineDeliveryService,
    private readonly metrics: MessageMetrics,
    private readonly gate: DirectMessageGate,
  ) {}

  async ack(userId: string, dto: AckMessageRequest): Promise<AckResult> {
    const { conversation_id: conversationId, seq, state } = dto;
    if (conversationId === BROADCAST_CONVERSATION_ID) {
      throw validationFailed('conversation_id', 'broadcast messages take no receipts (read them through message/history)');
    }
    const conversation = await this.repository.findConversation(conversationId);
    const member = conversation ? await this.repository.findMember(conversationId, userId) : null;
    if (!conversation || !member) throw notAMember(conversationId);
    if (seq > conversation.lastSeq) {
      throw validationFailed('seq', `must be at most ${conversation.lastSeq}, the newest seq of conversation ${conversationId} (got ${seq})`);
    }
    const move = await this.repository.moveReceipt(conversationId, userId, seq, state, member);
    if (move.delivered > move.previousDelivered) this.offline.onDelivered(userId, conversationId, move.delivered);

    // read covers (previousRead, read]; a delivered-only move covers (previousDelivered, delivered].
    const covered: [number, number, ReceiptState] | undefined =
      move.read > move.previousRead
        ? [move.previousRead, move.read, 'read']
        : move.delivered > move.previousDelivered
          ? [move.previousDelivered, move.delivered, 'delivered']
          : undefined;
    if (covered) {
      const [after, upTo, coveredState] = covered;
      const newest = await this.repository.newestPerSender(conversationId, after, upTo, userId);
      for (const { senderId, seq: s, messageId } of newest) {
        // Nothing crosses a block: a receipt would tell the blocked user that the blocker is
        // reading (or tell the blocker about the user they shut out). Groups are not affected.
        if (conversation.kind === 'direct') {
          const blocked = this.gate.blockedBetween(userId, senderId);
          if (blocked === true || (blocked !== false && (await blocked))) continue;
        }
        const receipt: Receipt = { by: userId, seq: s, message_id: messageId, state: coveredState };
        if (conversation.kind === 'group' && this.config.receiptWindowMs > 0) this.coalesce(conversationId, senderId, receipt);
        else this.emit(conversationId, senderId, receipt, undefined);
      }
    }
    return { conversation_id: conversationId, delivered_seq: move.delivered, read_seq: move.read };
  }

  onModuleDestroy(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }

  private coalesce(conversationId: string, senderId: string, receipt: Receipt): void {
    const key = `${conversationId}\u0000${senderId}`;
    let batch = this.pending.get(key);
    if (!batch) {
      const timer = setTimeout(() => this.flush(key, conversationId, senderId), this.config.receiptWindowMs);
      timer.unref();
      this.pending.set(key, (batch = { timer, receipts: new Map() }));
    }
    const slot = `${receipt.by}|${receipt.state}`;
    const known = batch.receipts.get(slot);
    if (!known || known.seq < receipt.seq) batch.receipts.set(slot, receipt);
  }

  private flush(key: string, conversationId: string, senderId: string): void {
    const batch = this.pending.get(key);
    this.pending.delete(key);
    if (!batch || batch.receipts.size === 0) return;
    const receipts = [...batch.receipts.values()].sort((a, b) => a.seq - b.seq);
    this.emit(conversationId, senderId, receipts[receipts.length - 1], receipts);
  }

  private emit(conversationId: string, senderId: string, top: Receipt, all: Receipt[] | undefined): void {
    const payload: ReceiptEventPayload = {
      status: 200,
      conversation_id: conversationId,
      message_id: top.message_id,
      seq: top.seq,
      state: top.state,
      by: top.by,
      ...(all ? { receipts: all } : {}),
    };
    this.metrics.receipt();
    // Droppable like every live push: a lagging connection sheds receipts before messages pile up.
    void this.publisher.toUsers([senderId], MessageCommands.ACK.name, payload as unknown as Record<string, unknown>, { droppable: true }).catch(() => undefined);
  }
}

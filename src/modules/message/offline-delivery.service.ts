/**
 * Offline delivery: once a client has its auth/login response (registry 'session-ready'), the
 * messages the user has not acknowledged as delivered are pushed as `message/offline` batches
 * of MESSAGE_OFFLINE_BATCH, by conversation then seq. The next batch goes out only when the
 * client's `message/ack` (delivered or read) has covered every conversation of the current one,
 * so a slow or dying client is never flooded. Nothing is marked delivered by sending: whatever
 * was not acked is offered again on the next login.
 *
 * What is offered: messages in the user's conversations with seq > the member's delivered_seq
 * (and > joined_seq), sent by someone else. Delivery positions are per user, not per device; the
 * user's own messages (sent from another device) and broadcasts are not offered here: every
 * device catches up on those through message/history with its sync cursor.
 */
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { MessageConfig, messageConfig } from './message.config';
import { MessageCommands } from '../../shared/protocol';
import type { Connection } from '../../transport/connection';
import { ConnectionRegistry } from '../../transport/connection-registry';
import { EventPublisher } from '../../transport/event-publisher';
import { MessageMetrics } from './message.metrics';
import { toWire } from './message.mapper';
import { MessageRepository } from './message.repository';
import { fittingCount } from './page-budget';

interface Run {
  connectionId: string;
  userId: string;
  /** Per conversation, the highest seq of the batch in flight that still needs an ack. */
  awaiting: Map<string, number>;
  busy: boolean;
}

@Injectable()
export class OfflineDeliveryService implements OnModuleInit {
  private readonly logger = new Logger('OfflineDelivery');
  private readonly runs = new Map<string, Run>();

  constructor(
    @InjectConfig(messageConfig) private readonly config: MessageConfig,
    private readonly registry: ConnectionRegistry,
    private readonly repository: MessageRepository,
    private readonly publisher: EventPublisher,
    private readonly metrics: MessageMetrics,
  ) {}

  onModuleInit(): void {
    this.registry.on('session-ready', (conn) => this.start(conn));
    this.registry.on('unbound', (conn) => this.runs.delete(conn.id));
    this.registry.on('closed', (conn) => this.runs.delete(conn.id));
  }

  /** Connections with a delivery in progress (tests, ops). */
  get activeRuns(): number {
    return this.runs.size;
  }

  start(conn: Connection): void {
    if (!conn.userId) return;
    const run: Run = { connectionId: conn.id, userId: conn.userId, awaiting: new Map(), busy: false };
    this.runs.set(conn.id, run);
    void this.sendNext(run);
  }

  /** Called by the receipt service after a member's delivered position moved. */
  onDelivered(userId: string, conversationId: string, deliveredSeq: number): void {
    for (const run of this.runs.values()) {
      if (run.userId !== userId) continue;
      const needed = run.awaiting.get(conversationId);
      if (needed !== undefined && needed <= deliveredSeq) run.awaiting.delete(conversationId);
      if (run.awaiting.size === 0 && !run.busy) void this.sendNext(run);
    }
  }

  private async sendNext(run: Run): Promise<void> {
    if (this.runs.get(run.connectionId) !== run) return;
    run.busy = true;
    try {
      const batch = this.config.offlineBatch;
      const rows = await this.repository.undelivered(run.userId, batch + 1);
      // The connection may have closed or logged in again while we were reading.
      if (this.runs.get(run.connectionId) !== run) return;
      if (rows.length === 0) {
        this.runs.delete(run.connectionId);
        return;
      }
      // Cut by size too (page-budget.ts), so a batch of large messages still fits one frame.
      const candidates = rows.slice(0, batch).map(toWire);
      const page = candidates.slice(0, fittingCount(candidates));
      const hasMore = rows.length > page.length;
      run.awaiting.clear();
      for (const m of page) run.awaiting.set(m.conversation_id, Math.max(run.awaiting.get(m.conversation_id) ?? 0, m.seq));
      // The last batch needs no ack-wait: nothing would follow it.
      if (!hasMore) this.runs.delete(run.connectionId);
      this.metrics.offlineBatch(page.length);
      await this.publisher.toConnections([run.connectionId], MessageCommands.OFFLINE.name, {
        status: 200,
        messages: page,
        has_more: hasMore,
      });
    } catch (err) {
      this.logger.warn(`offline delivery for ${run.userId} stopped (resumes at next login): ${(err as Error).message}`);
      this.runs.delete(run.connectionId);
    } finally {
      run.busy = false;
    }
  }
}

/**
 * The one way any module pushes a business notification (`notification/event`) to users. It
 * publishes through the EventPublisher (the event-bus port), never to sockets, so the Redis bus
 * can fan it out across processes.
 *
 * Two kinds:
 * - `notify`: live-only, best effort (group membership changes). What it announces is also
 *   discoverable by a request (group/list...), so a client that was offline re-reads state.
 * - `notifyDurable`: stored first, then pushed (contact requests and answers). A stored
 *   notification is replayed on every login of its user until acked with notification/ack, and
 *   can be listed with notification/list. It carries `durable: true`; a client may see it more
 *   than once (live, then replayed before its ack arrived) and de-duplicates by notification_id.
 */
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { decodeOpaqueCursor, encodeOpaqueCursor, invalidCursor, isCursorId } from '../../common/cursor/opaque-cursor';
import { InjectConfig } from '../../config/config.util';
import { NotificationConfig, notificationConfig } from './notification.config';
import { NotificationCommands } from '../../shared/protocol';
import type { NotificationPayload } from '../../shared/protocol/messages/notification.messages';
import type { Connection } from '../../transport/connection';
import { ConnectionRegistry } from '../../transport/connection-registry';
import { EventPublisher } from '../../transport/event-publisher';
import { NotificationEntity } from './entities/notification.entity';
import { NotificationPosition, NotificationRepository } from './notification.repository';

/** `type` is `<domain>.<what happened>`, e.g. `group.member_added`; other fields are free. */
export type NotificationEvent = { type: string } & Record<string, unknown>;

/** How many pending notifications are replayed right after a login (the rest: notification/list). */
export const NOTIFICATION_REPLAY_MAX = 100;

@Injectable()
export class NotificationService implements OnModuleInit {
  private readonly logger = new Logger(NotificationService.name);
  private readonly evictLastTypes = new Set<string>();

  constructor(
    private readonly publisher: EventPublisher,
    private readonly repository: NotificationRepository,
    private readonly registry: ConnectionRegistry,
    @InjectConfig(notificationConfig) private readonly config: NotificationConfig,
  ) {}

  onModuleInit(): void {
    this.registry.on('session-ready', (conn) => void this.replay(conn));
  }

  /**
   * Pushes `notification/event` with payload `{status: 200, notification_id, type, sent_at, sent_at_ms, ...event}`
   * to every online connection of `userIds` (duplicates removed). A failed publish is logged, not
   * thrown back: the change it announces is already committed. Rejects only on a programming error
   * (an event without a `type`).
   */
  async notify(userIds: string[], event: NotificationEvent): Promise<void> {
    const targets = [...new Set(userIds.filter((id) => typeof id === 'string' && id.length > 0))];
    if (targets.length === 0) return;
    await this.publish(targets, this.payload(event));
  }

  /**
   * Types whose pending notifications stand for something their user still has to answer (a
   * contact request): when a user's pending notifications are over NOTIFICATION_PENDING_MAX these
   * are dropped only once nothing else is left, so a flood of other notices cannot push them out.
   * Called by the owning module at init.
   */
  evictLast(...types: string[]): void {
    for (const type of types) this.evictLastTypes.add(type);
  }

  /**
   * Stores one notification for `userId` (about `aboutUserId`, so a block can purge it) and pushes
   * it live. Resolves once stored; rejects if it could not be stored. `supersedes`: the types of
   * `userId`'s pending notifications about `aboutUserId` that this one replaces (deleted in the
   * same transaction), so one sender holds at most one pending notice of a thread per recipient
   * whatever it repeats.
   */
  async notifyDurable(userId: string, event: NotificationEvent, aboutUserId?: string, options: { supersedes?: string[] } = {}): Promise<void> {
    const payload = { ...this.payload(event), durable: true };
    const row = Object.assign(new NotificationEntity(), {
      id: payload.notification_id,
      userId,
      type: event.type,
      aboutUserId: aboutUserId ?? null,
      payload,
      createdAt: payload.sent_at_ms,
    });
    await this.repository.insert(row, this.config.pendingMax, { supersedes: options.supersedes, evictLast: [...this.evictLastTypes] });
    await this.publish([userId], payload);
  }

  /** notification/ack: removes the given pending notifications of `userId`. */
  async ack(userId: string, ids: string[]): Promise<{ acked: number }> {
    return { acked: await this.repository.ack(userId, [...new Set(ids)]) };
  }

  /** notification/list: pending durable notifications, oldest first. */
  async list(userId: string, limit: number, cursor?: string): Promise<{ notifications: NotificationPayload[]; has_more: boolean; next_cursor: string | null }> {
    const rows = await this.repository.page(userId, limit + 1, cursor === undefined ? undefined : decodeCursor(cursor));
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const hasMore = rows.length > limit;
    return {
      notifications: page.map((r) => r.payload as NotificationPayload),
      has_more: hasMore,
      next_cursor: hasMore ? encodeOpaqueCursor({ t: last.createdAt, i: last.id }) : null,
    };
  }

  /** Forgets `userId`'s pending notifications about `aboutUserId` (e.g. requests of someone they blocked). */
  purgeAbout(userId: string, aboutUserId: string, types: string[]): Promise<void> {
    return this.repository.purgeAbout(userId, aboutUserId, types);
  }

  /** After a login: the oldest pending notifications, each as the notification/event it was. */
  private async replay(conn: Connection): Promise<void> {
    if (!conn.userId) return;
    try {
      const rows = await this.repository.page(conn.userId, NOTIFICATION_REPLAY_MAX);
      for (const row of rows) await this.publisher.toConnections([conn.id], NotificationCommands.EVENT.name, { ...row.payload, replayed: true });
    } catch (err) {
      this.logger.warn(`notification replay for ${conn.userId} failed (notification/list still has them): ${(err as Error).message}`);
    }
  }

  private payload(event: NotificationEvent): NotificationPayload & { status: number } {
    if (typeof event.type !== 'string' || event.type.length === 0) {
      throw new Error('NotificationService.notify: event.type must be a non-empty string');
    }
    const now = Date.now();
    return {
      notification_id: `n-${randomUUID()}`,
      // Unix seconds like every other *_at of the protocol, plus the millisecond twin.
      sent_at: Math.floor(now / 1000),
      sent_at_ms: now,
      ...event,
      type: event.type,
      // Last, so an event field can never fake the status of the frame.
      status: 200,
    };
  }

  private async publish(targets: string[], payload: Record<string, unknown>): Promise<void> {
    try {
      await this.publisher.toUsers(targets, NotificationCommands.EVENT.name, payload);
    } catch (err) {
      this.logger.warn(`notification ${String(payload.type)} to ${targets.length} user(s) not published: ${(err as Error).message}`);
    }
  }
}

function decodeCursor(cursor: string): NotificationPosition {
  const message = 'cursor is not a next_cursor returned by notification/list; omit it to start from the oldest';
  const { t, i } = decodeOpaqueCursor(cursor, message);
  if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0 || !isCursorId(i)) throw invalidCursor(message);
  return { createdAt: t, id: i };
}

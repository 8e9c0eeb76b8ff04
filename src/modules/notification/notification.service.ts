/**
 * The one way any module pushes a business notification (`notification/event`) to users, e.g.
 * group membership changes. It publishes through the EventPublisher (the event-bus port), never
 * to sockets, so the Redis bus can fan it out across processes.
 *
 * Notifications are live-only and best effort: they reach the users' online connections and are
 * not stored. Whatever they announce must also be discoverable by a request (group/list,
 * group/members...), so a client that was offline simply re-reads state after login.
 */
import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { NotificationCommands } from '../../shared/protocol';
import { EventPublisher } from '../../transport/event-publisher';

/** `type` is `<domain>.<what happened>`, e.g. `group.member_added`; other fields are free. */
export type NotificationEvent = { type: string } & Record<string, unknown>;

@Injectable()
export class NotificationService {
  private readonly logger = new Logger(NotificationService.name);

  constructor(private readonly publisher: EventPublisher) {}

  /**
   * Pushes `notification/event` with payload `{status: 200, notification_id, type, sent_at, sent_at_ms, ...event}`
   * to every online connection of `userIds` (duplicates removed). A failed publish is logged, not
   * thrown back: the change it announces is already committed. Rejects only on a programming error
   * (an event without a `type`).
   */
  async notify(userIds: string[], event: NotificationEvent): Promise<void> {
    const targets = [...new Set(userIds.filter((id) => typeof id === 'string' && id.length > 0))];
    if (targets.length === 0) return;
    if (typeof event.type !== 'string' || event.type.length === 0) {
      throw new Error('NotificationService.notify: event.type must be a non-empty string');
    }
    const now = Date.now();
    const payload = {
      notification_id: `n-${randomUUID()}`,
      // Unix seconds like every other *_at of the protocol, plus the millisecond twin.
      sent_at: Math.floor(now / 1000),
      sent_at_ms: now,
      ...event,
      // Last, so an event field can never fake the status of the frame.
      status: 200,
    };
    try {
      await this.publisher.toUsers(targets, NotificationCommands.EVENT.name, payload);
    } catch (err) {
      this.logger.warn(`notification ${event.type} to ${targets.length} user(s) not published: ${(err as Error).message}`);
    }
  }
}

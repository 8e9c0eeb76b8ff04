/**
 * Single-process PresenceStore: plain maps. The default when REDIS_URL is unset. Reads prune
 * stale entries exactly like the Redis store, so both behave the same under the same tests.
 */
import type {
  AnnouncedPresence,
  ConnectionPresence,
  HeartbeatTouch,
  PresenceStoreOptions,
  Subscriber,
} from '../presence-store';
import { PresenceStore } from '../presence-store';

export class InMemoryPresenceStore extends PresenceStore {
  private readonly byUser = new Map<string, Map<string, ConnectionPresence>>();
  private readonly lastSeen = new Map<string, number>();
  private readonly announced = new Map<string, AnnouncedPresence>();
  /** target user → subscriber connection id → subscriber user id */
  private readonly subscribers = new Map<string, Map<string, string>>();
  /** subscriber connection id → targets, to drop a connection's subscriptions in one go */
  private readonly subscriptionsOf = new Map<string, Set<string>>();

  constructor(
    private readonly options: PresenceStoreOptions,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  async putConnection(presence: ConnectionPresence): Promise<void> {
    let conns = this.byUser.get(presence.userId);
    if (!conns) this.byUser.set(presence.userId, (conns = new Map()));
    conns.set(presence.connectionId, { ...presence });
  }

  async getConnection(userId: string, connectionId: string): Promise<ConnectionPresence | undefined> {
    const entry = this.byUser.get(userId)?.get(connectionId);
    return entry && !this.isStale(entry) ? { ...entry } : undefined;
  }

  async removeConnection(userId: string, connectionId: string): Promise<ConnectionPresence | undefined> {
    const conns = this.byUser.get(userId);
    const entry = conns?.get(connectionId);
    if (!conns || !entry) return undefined;
    conns.delete(connectionId);
    if (conns.size === 0) this.byUser.delete(userId);
    return entry;
  }

  async touch(touches: HeartbeatTouch[]): Promise<string[]> {
    const missing: string[] = [];
    for (const t of touches) {
      const entry = this.byUser.get(t.userId)?.get(t.connectionId);
      // Only existing entries: a late touch must not resurrect a removed connection.
      if (!entry) missing.push(t.connectionId);
      else if (t.at > entry.heartbeatAt) entry.heartbeatAt = t.at;
    }
    return missing;
  }

  async connectionsOf(userIds: string[]): Promise<Map<string, ConnectionPresence[]>> {
    const out = new Map<string, ConnectionPresence[]>();
    for (const userId of userIds) {
      const conns = this.byUser.get(userId);
      const live: ConnectionPresence[] = [];
      for (const [id, entry] of conns ?? []) {
        if (this.isStale(entry)) conns!.delete(id);
        else live.push({ ...entry });
      }
      if (conns && conns.size === 0) this.byUser.delete(userId);
      out.set(userId, live);
    }
    return out;
  }

  async setLastSeen(userId: string, at: number): Promise<void> {
    if (at > (this.lastSeen.get(userId) ?? 0)) this.lastSeen.set(userId, at);
  }

  async lastSeenOf(userIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const id of userIds) {
      const at = this.lastSeen.get(id);
      if (at !== undefined) out.set(id, at);
    }
    return out;
  }

  async getAnnounced(userId: string): Promise<AnnouncedPresence | undefined> {
    const a = this.announced.get(userId);
    return a && { ...a, devices: [...a.devices] };
  }

  async setAnnounced(userId: string, announced: AnnouncedPresence | undefined): Promise<void> {
    if (announced) this.announced.set(userId, { ...announced, devices: [...announced.devices] });
    else this.announced.delete(userId);
  }

  async subscribe(connectionId: string, subscriberId: string, targets: string[]): Promise<void> {
    let mine = this.subscriptionsOf.get(connectionId);
    if (!mine) this.subscriptionsOf.set(connectionId, (mine = new Set()));
    for (const target of targets) {
      mine.add(target);
      let subs = this.subscribers.get(target);
      if (!subs) this.subscribers.set(target, (subs = new Map()));
      subs.set(connectionId, subscriberId);
    }
  }

  async unsubscribeConnection(connectionId: string): Promise<void> {
    const mine = this.subscriptionsOf.get(connectionId);
    if (!mine) return;
    this.subscriptionsOf.delete(connectionId);
    for (const target of mine) {
      const subs = this.subscribers.get(target);
      subs?.delete(connectionId);
      if (subs?.size === 0) this.subscribers.delete(target);
    }
  }

  async subscribersOf(targetId: string): Promise<Subscriber[]> {
    return [...(this.subscribers.get(targetId) ?? [])].map(([connectionId, userId]) => ({ connectionId, userId }));
  }

  private isStale(entry: ConnectionPresence): boolean {
    return this.now() - entry.heartbeatAt > this.options.staleAfterMs;
  }
}

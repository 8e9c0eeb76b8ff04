/**
 * Presence state and announcements. Connection lifecycle comes from the ConnectionRegistry
 * ('bound' / 'unbound' / 'closed'); per-connection state lives in the PresenceStore port; every
 * change marks the user dirty in the debouncer, and when the window closes the user's public
 * presence is compared with the last announced one and, if it differs, pushed as presence/event
 * to the audience (shared direct conversations and small groups) plus explicit subscribers.
 */
import { Injectable, Logger, OnApplicationShutdown, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { PresenceConfig, presenceConfig } from './presence.config';
import { PresenceCommands, ProtocolError } from '../../shared/protocol';
import type { PresenceStatus, PresenceView } from '../../shared/protocol/messages/presence.messages';
import type { BindInfo } from '../../transport/connection-registry';
import { ConnectionRegistry } from '../../transport/connection-registry';
import type { Connection } from '../../transport/connection';
import { EventPublisher } from '../../transport/event-publisher';
import { aggregatePresence, isVisible, sameAnnounced, toAnnounced, Viewer } from './presence-aggregate';
import { PresenceDebouncer } from './presence-debouncer';
import { PresenceMetrics } from './presence.metrics';
import { PresenceRepository } from './presence.repository';
import { ConnectionPresence, PresenceStore } from './presence-store';

@Injectable()
export class PresenceService implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('Presence');
  private readonly debouncer: PresenceDebouncer;
  /** Per-user serial lanes: store updates of one user never interleave on this process. */
  private readonly lanes = new Map<string, Promise<unknown>>();
  /** Which user each local connection is bound to (a re-bind emits no 'unbound'). */
  private readonly bindings = new Map<string, string>();
  /**
   * What this process last wrote for each of its connections: this node is the authority on
   * them, so when a shared store lost them (Redis restarted empty, flushed, failed over) they are
   * written back from here (restore / reassertAll).
   */
  private readonly local = new Map<string, ConnectionPresence>();
  private shuttingDown = false;

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly publisher: EventPublisher,
    private readonly store: PresenceStore,
    private readonly repository: PresenceRepository,
    private readonly metrics: PresenceMetrics,
    @InjectConfig(presenceConfig) private readonly config: PresenceConfig,
  ) {
    this.debouncer = new PresenceDebouncer(config.debounceMs, (userId, changes) => void this.announce(userId, changes));
  }

  private readonly onBound = (conn: Connection) => this.connectionBound(conn);
  private readonly onUnbound = (conn: Connection, previous: BindInfo) => this.connectionGone(conn, previous.userId);
  private readonly onClosed = (conn: Connection, previous: BindInfo | undefined) => this.connectionGone(conn, previous?.userId);

  onModuleInit(): void {
    this.registry.on('bound', this.onBound);
    this.registry.on('unbound', this.onUnbound);
    this.registry.on('closed', this.onClosed);
  }

  /**
   * Shutdown: no more announcements (the database goes away), but this process's connections are
   * still removed from a shared store once the transport has closed them, so other nodes see the
   * truth at once instead of after the stale timeout. Users who reconnect elsewhere cause no
   * event (like a reconnect inside a debounce window).
   */
  onModuleDestroy(): void {
    this.shuttingDown = true;
    this.debouncer.cancelAll();
  }

  async onApplicationShutdown(): Promise<void> {
    // The transport destroyed its sockets, but their 'closed' events may not have fired yet.
    for (const [connectionId, userId] of [...this.bindings]) this.removeConnection(connectionId, userId);
    this.bindings.clear();
    this.local.clear();
    await Promise.allSettled([...this.lanes.values()]);
    this.registry.off('bound', this.onBound);
    this.registry.off('unbound', this.onUnbound);
    this.registry.off('closed', this.onClosed);
    await this.store.close();
  }

  /** presence/update: sets the status (and text) of the connection the request came on. */
  async update(me: { userId: string; connectionId: string; device?: string }, status: PresenceStatus, text: string | null | undefined): Promise<PresenceView> {
    const { userId, connectionId } = me;
    if (typeof text === 'string' && text.length > this.config.textMax) {
      const problem = `text must be at most ${this.config.textMax} characters`;
      throw new ProtocolError('VALIDATION_FAILED', `invalid payload: text: ${problem}`, 400, { fields: [{ field: 'text', problems: [problem] }] });
    }
    return this.inLane(userId, async () => {
      const now = Date.now();
      // The bind already stored this connection; fresh only if it closed meanwhile (then harmless).
      const current =
        (await this.store.getConnection(userId, connectionId)) ??
        this.freshPresence({ id: connectionId, device: me.device, connectedAt: now, lastFrameAt: now }, userId, now);
      const next: ConnectionPresence = {
        ...current,
        status,
        text: text === undefined ? current.text : text || null,
        updatedAt: now,
        heartbeatAt: Math.max(now, current.heartbeatAt),
      };
      await this.put(next);
      // Going invisible freezes what others see as last_seen at this moment.
      if (isVisible(current.status) && !isVisible(status)) await this.store.setLastSeen(userId, now);
      this.changed(userId);
      return (await this.views([userId], 'self'))[0];
    });
  }

  /** Presence of `userIds` as `viewer` sees them (no visibility check: callers filter first). */
  async views(userIds: string[], viewer: Viewer): Promise<PresenceView[]> {
    const [connections, lastSeen] = await Promise.all([this.store.connectionsOf(userIds), this.store.lastSeenOf(userIds)]);
    return userIds.map((id) => aggregatePresence(id, connections.get(id) ?? [], lastSeen.get(id), viewer));
  }

  // ------------------------------------------------------------------------------------------------

  private connectionBound(conn: Connection): void {
    const userId = conn.userId;
    if (userId === undefined) return;
    const before = this.bindings.get(conn.id);
    this.bindings.set(conn.id, userId);
    if (before !== undefined && before !== userId) this.removeConnection(conn.id, before);
    void this.inLane(userId, async () => {
      const now = Date.now();
      // A re-bind of the same user (token refresh on the connection) keeps the status it set.
      const existing = await this.store.getConnection(userId, conn.id);
      await this.put(existing ? { ...existing, device: conn.device ?? existing.device } : this.freshPresence(conn, userId, now));
      this.changed(userId);
    }).catch((err) => this.fail('bind', err));
  }

  /**
   * Writes back connections of this process that the store no longer has (a heartbeat touch
   * found them missing, or this node's liveness key vanished): status and text as this process
   * last set them. Connections that closed or moved to another user meanwhile are skipped.
   */
  restore(connectionIds: Iterable<string>): number {
    let restored = 0;
    for (const connectionId of connectionIds) {
      const userId = this.bindings.get(connectionId);
      const known = this.local.get(connectionId);
      if (userId === undefined || !known || known.userId !== userId) continue;
      restored++;
      void this.inLane(userId, async () => {
        // Re-checked in the lane: the connection may have closed while we waited.
        if (this.bindings.get(connectionId) !== userId) return;
        const conn = this.registry.get(connectionId);
        await this.put({ ...known, heartbeatAt: Math.max(known.heartbeatAt, conn?.lastFrameAt ?? 0, Date.now()) });
        this.changed(userId);
      }).catch((err) => this.fail('restore', err));
    }
    return restored;
  }

  /** Every live connection of this process, written back (after the store lost its data). */
  reassertAll(): number {
    return this.restore([...this.bindings.keys()]);
  }

  /**
   * Connections of a dead node (its liveness key expired): removed from the store and announced
   * like a disconnect (offline after the debounce, unless the user is online elsewhere).
   */
  reapRemote(connections: { userId: string; connectionId: string }[]): void {
    for (const { userId, connectionId } of connections) this.removeConnection(connectionId, userId);
  }

  private async put(presence: ConnectionPresence): Promise<void> {
    await this.store.putConnection(presence);
    // Only for connections still held here (a write may finish after the close).
    if (this.bindings.get(presence.connectionId) === presence.userId) this.local.set(presence.connectionId, presence);
  }

  private connectionGone(conn: Connection, previousUserId: string | undefined): void {
    const userId = previousUserId ?? this.bindings.get(conn.id);
    this.bindings.delete(conn.id);
    void this.store.unsubscribeConnection(conn.id).catch((err) => this.fail('unsubscribe', err));
    if (userId !== undefined) this.removeConnection(conn.id, userId);
  }

  private removeConnection(connectionId: string, userId: string): void {
    if (this.local.get(connectionId)?.userId === userId) this.local.delete(connectionId);
    void this.inLane(userId, async () => {
      const removed = await this.store.removeConnection(userId, connectionId);
      if (!removed) return;
      if (isVisible(removed.status)) await this.store.setLastSeen(userId, Date.now());
      this.changed(userId);
    }).catch((err) => this.fail('unbind', err));
  }

  /** Debounce window closed: push the user's public presence if it differs from the last push. */
  private async announce(userId: string, changes: number): Promise<void> {
    try {
      await this.inLane(userId, async () => {
        const [view] = await this.views([userId], 'others');
        const next = toAnnounced(view);
        if (sameAnnounced(await this.store.getAnnounced(userId), next)) {
          this.metrics.suppressed(changes);
          return;
        }
        // Nothing stored means offline, which keeps the store bounded by the online users.
        await this.store.setAnnounced(userId, next.status === 'offline' ? undefined : next);
        this.metrics.suppressed(changes - 1);
        const [audience, subscribers] = await Promise.all([
          this.repository.audience(userId, this.config.groupFanoutMax),
          this.store.subscribersOf(userId),
        ]);
        const audienceSet = new Set(audience);
        const candidates = subscribers.filter((s) => s.userId !== userId && !audienceSet.has(s.userId));
        // The audience rule was checked at subscribe time; re-check it here so a subscriber who
        // has since left every shared conversation stops hearing this user.
        const allowed = candidates.length > 0 ? await this.repository.visibleAmong(userId, [...new Set(candidates.map((s) => s.userId))]) : new Set<string>();
        const extra = candidates.filter((s) => allowed.has(s.userId)).map((s) => s.connectionId);
        // Droppable: a slow consumer can catch up with presence/list.
        const payload = view as unknown as Record<string, unknown>;
        await this.publisher.toUsers(audience, PresenceCommands.EVENT.name, payload, { droppable: true });
        if (extra.length > 0) await this.publisher.toConnections(extra, PresenceCommands.EVENT.name, payload, { droppable: true });
        this.metrics.sent(audience.length + extra.length);
      });
    } catch (err) {
      this.fail('announce', err);
    }
  }

  private changed(userId: string): void {
    if (!this.shuttingDown) this.debouncer.mark(userId);
  }

  private freshPresence(conn: Pick<Connection, 'id' | 'device' | 'connectedAt' | 'lastFrameAt'>, userId: string, now: number): ConnectionPresence {
    return {
      connectionId: conn.id,
      userId,
      device: conn.device ?? null,
      status: 'online',
      text: null,
      connectedAt: conn.connectedAt,
      updatedAt: now,
      heartbeatAt: Math.max(now, conn.lastFrameAt),
    };
  }

  /** Runs `fn` after every earlier operation of the same user; resolves/rejects with `fn`. */
  private inLane<T>(userId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.lanes.get(userId) ?? Promise.resolve();
    const result = previous.then(fn);
    const tail = result.catch(() => undefined);
    this.lanes.set(userId, tail);
    void tail.then(() => {
      if (this.lanes.get(userId) === tail) this.lanes.delete(userId);
    });
    return result;
  }

  private fail(what: string, err: unknown): void {
    this.logger.warn(`presence ${what} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

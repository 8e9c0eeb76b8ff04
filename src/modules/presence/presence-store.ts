/**
 * The PresenceStore port: where per-connection presence (status, text, heartbeat timestamps),
 * last-seen times, the last announced state and explicit subscriptions live. Services only talk
 * to this port, so several server processes can share one Redis-backed store, while a single
 * process uses the in-memory one. Everything is keyed by ids (never Connection objects).
 */
import type { PresenceStatus, PublicPresenceStatus } from '../../shared/protocol/messages/presence.messages';

export const PRESENCE_STORE_OPTIONS = Symbol('PRESENCE_STORE_OPTIONS');

/** The presence of one connection. Times are epoch milliseconds. */
export interface ConnectionPresence {
  connectionId: string;
  userId: string;
  /** Device kind from the login's client_info.device; null when the client gave none. */
  device: string | null;
  status: PresenceStatus;
  text: string | null;
  connectedAt: number;
  /** When status/text last changed (ties in aggregation go to the latest change). */
  updatedAt: number;
  /** Last frame seen on the connection (refreshed by heartbeats and the sweeper). */
  heartbeatAt: number;
}

/** What was last pushed to others about a user (debounce compares against it). */
export interface AnnouncedPresence {
  status: PublicPresenceStatus;
  text: string | null;
  devices: string[];
}

export interface HeartbeatTouch {
  userId: string;
  connectionId: string;
  at: number;
}

export interface Subscriber {
  connectionId: string;
  userId: string;
}

/** A connection registered by some node, as listed for that node. */
export interface NodeConnection {
  userId: string;
  connectionId: string;
}

export interface PresenceStoreOptions {
  /** This process's node id (multi-node stores list each node's connections under it). */
  nodeId?: string;
  /**
   * An entry whose heartbeat is older than this is treated as gone (its process died without
   * removing it) and is pruned when read.
   */
  staleAfterMs: number;
}

export abstract class PresenceStore {
  /** Creates or replaces the presence of one connection. */
  abstract putConnection(presence: ConnectionPresence): Promise<void>;
  abstract getConnection(userId: string, connectionId: string): Promise<ConnectionPresence | undefined>;
  /** Removes one connection; resolves with what it was (undefined if unknown). */
  abstract removeConnection(userId: string, connectionId: string): Promise<ConnectionPresence | undefined>;
  /**
   * Refreshes heartbeat timestamps of live connections (batched by the sweeper). Never creates
   * an entry (a late touch must not resurrect a removed connection); resolves with the ids of
   * connections that had no entry, so their node can re-register them (the store lost them).
   */
  abstract touch(touches: HeartbeatTouch[]): Promise<string[]>;
  /** Live (non-stale) connections of each user; users without any map to []. */
  abstract connectionsOf(userIds: string[]): Promise<Map<string, ConnectionPresence[]>>;

  abstract setLastSeen(userId: string, at: number): Promise<void>;
  abstract lastSeenOf(userIds: string[]): Promise<Map<string, number>>;

  abstract getAnnounced(userId: string): Promise<AnnouncedPresence | undefined>;
  /** `undefined` forgets the user (nothing announced = offline), keeping the store bounded. */
  abstract setAnnounced(userId: string, announced: AnnouncedPresence | undefined): Promise<void>;

  /** Explicit presence/subscribe: `connectionId` (of `subscriberId`) follows `targets`. */
  abstract subscribe(connectionId: string, subscriberId: string, targets: string[]): Promise<void>;
  /** Drops every subscription of a connection (it closed or logged out). */
  abstract unsubscribeConnection(connectionId: string): Promise<void>;
  /** Connections (and their users) following `targetId` through an explicit subscription. */
  abstract subscribersOf(targetId: string): Promise<Subscriber[]>;

  // Cluster membership. Single-process stores keep these defaults: there is no other node.

  /**
   * Sets this node's liveness key for `ttlMs`. Resolves false when the key had vanished: the
   * store lost its data (Redis restarted empty, flushed, failed over) or it expired during an
   * outage, so this node must register its live connections again.
   */
  async refreshNode(_nodeId: string, _ttlMs: number): Promise<boolean> {
    return true;
  }

  /** Nodes that registered connections and whose liveness key is gone (crashed or cut off). */
  async deadNodes(_selfId: string): Promise<string[]> {
    return [];
  }

  /**
   * Takes over a dead node's connection list: one caller in the cluster wins (the lock lives
   * `lockMs`) and gets the list; the node is forgotten. Others get [].
   */
  async claimDeadNode(_nodeId: string, _lockMs: number): Promise<NodeConnection[]> {
    return [];
  }

  /** Releases resources (Redis connection). */
  async close(): Promise<void> {}
}

/**
 * Local connections of this process, indexed by id, user and session. Multi-node deployments
 * have one registry per process; cross-process delivery goes through the EventBus.
 */
import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { Connection } from './connection';

export interface BindInfo {
  userId: string;
  sessionId: string;
  device?: string;
}

export interface RegistryEvents {
  /** A connection was authenticated (auth/login or a token on an anonymous connection). */
  bound: [conn: Connection];
  /** A connection lost its user (logout, kick) but stays open. */
  unbound: [conn: Connection, previous: BindInfo];
  /**
   * Emitted by the auth module after the auth/login response was written: the client is ready
   * for what it missed (offline delivery starts here).
   */
  'session-ready': [conn: Connection];
  /** A connection closed; `previous` is its binding if it had one. */
  closed: [conn: Connection, previous: BindInfo | undefined];
}

@Injectable()
export class ConnectionRegistry extends EventEmitter<RegistryEvents> {
  private readonly byId = new Map<string, Connection>();
  private readonly byUser = new Map<string, Set<Connection>>();
  private readonly bySession = new Map<string, Set<Connection>>();

  get size(): number {
    return this.byId.size;
  }

  add(conn: Connection): void {
    this.byId.set(conn.id, conn);
  }

  get(id: string): Connection | undefined {
    return this.byId.get(id);
  }

  all(): IterableIterator<Connection> {
    return this.byId.values();
  }

  forUser(userId: string): ReadonlySet<Connection> {
    return this.byUser.get(userId) ?? EMPTY;
  }

  forSession(sessionId: string): ReadonlySet<Connection> {
    return this.bySession.get(sessionId) ?? EMPTY;
  }

  /** Users with at least one connection on this process. */
  onlineUserIds(): IterableIterator<string> {
    return this.byUser.keys();
  }

  bind(conn: Connection, info: BindInfo): void {
    if (conn.userId !== undefined) this.detach(conn);
    conn.userId = info.userId;
    conn.sessionId = info.sessionId;
    conn.device = info.device;
    addTo(this.byUser, info.userId, conn);
    addTo(this.bySession, info.sessionId, conn);
    this.emit('bound', conn);
  }

  unbind(conn: Connection): void {
    const previous = this.detach(conn);
    if (previous) this.emit('unbound', conn, previous);
  }

  remove(conn: Connection): void {
    if (!this.byId.delete(conn.id)) return;
    const previous = this.detach(conn);
    this.emit('closed', conn, previous);
  }

  private detach(conn: Connection): BindInfo | undefined {
    if (conn.userId === undefined || conn.sessionId === undefined) return undefined;
    const previous: BindInfo = { userId: conn.userId, sessionId: conn.sessionId, device: conn.device };
    removeFrom(this.byUser, conn.userId, conn);
    removeFrom(this.bySession, conn.sessionId, conn);
    conn.userId = undefined;
    conn.sessionId = undefined;
    conn.device = undefined;
    return previous;
  }
}

const EMPTY: ReadonlySet<Connection> = new Set();

function addTo(index: Map<string, Set<Connection>>, key: string, conn: Connection): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(conn);
}

function removeFrom(index: Map<string, Set<Connection>>, key: string, conn: Connection): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(conn);
  if (set.size === 0) index.delete(key);
}

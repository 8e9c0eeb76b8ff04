/**
 * Which sessions are usable, remembered in memory so that an authenticated request costs no
 * database read (it was the session row read on every frame).
 *
 * Staleness is bounded: an "active" answer is trusted for at most `ttlMs` (AUTH_SESSION_CACHE_MS,
 * default 1000) after it was read from the database, whatever happens elsewhere. Within that,
 * revocations make it shorter: this process forgets a session synchronously when it revokes it,
 * and every process forgets sessions named by the `disconnect` messages (kick, logout unbind)
 * that revocations publish on the event bus (Redis across nodes). A revocation that publishes
 * nothing (the admin CLI, a node without the shared bus) is therefore seen within `ttlMs`.
 * "Revoked" is final, so it is remembered without expiry (bounded in number).
 *
 * An entry past half its lifetime is refreshed in the background while it still answers
 * (`wantsRefresh`), so a busy session never waits for the database and the bound above still
 * holds: nothing older than `ttlMs` is ever served.
 */
import type { SessionEntity } from './entities/session.entity';

export interface UsableSession {
  userId: string;
  device: string;
  /** When the session itself (refresh lifetime) ends, ms. */
  expiresAt: number;
}

interface Entry extends UsableSession {
  checkedAt: number;
}

const MAX_ENTRIES = 100_000;

export class SessionValidityCache {
  private readonly active = new Map<string, Entry>();
  private readonly revoked = new Set<string>();
  /** Bumped by every invalidation: a read that started before one must not be cached. */
  private generation = 0;

  constructor(private readonly ttlMs: number) {}

  get epoch(): number {
    return this.generation;
  }

  /** A fresh "active" entry, or undefined (then read the database). */
  lookup(sessionId: string, now: number): (UsableSession & { readonly checkedAt: number }) | undefined {
    const entry = this.active.get(sessionId);
    if (entry === undefined) return undefined;
    if (now - entry.checkedAt < this.ttlMs) return entry;
    this.active.delete(sessionId);
    return undefined;
  }

  /** Past half its lifetime: time to re-read it in the background, before it must be re-read in the foreground. */
  wantsRefresh(entry: { readonly checkedAt: number }, now: number): boolean {
    return now - entry.checkedAt >= this.ttlMs / 2;
  }

  isRevoked(sessionId: string): boolean {
    return this.revoked.has(sessionId);
  }

  /** Remembers what a database read (begun at `epoch`) found, unless something was invalidated since. */
  remember(session: SessionEntity, epoch: number, now: number): void {
    if (this.ttlMs <= 0) return;
    if (session.revokedAt !== null) {
      bounded(this.revoked);
      this.revoked.add(session.id);
      return;
    }
    if (epoch !== this.generation) return;
    bounded(this.active);
    this.active.set(session.id, { userId: session.userId, device: session.device, expiresAt: session.expiresAt, checkedAt: now });
  }

  /** These sessions were revoked (by this process): refuse them from now on. */
  revokedNow(sessionIds: string[]): void {
    this.generation++;
    for (const id of sessionIds) {
      this.active.delete(id);
      bounded(this.revoked);
      this.revoked.add(id);
    }
  }

  /** Something may have changed for these sessions elsewhere: read them again next time. */
  forgetSessions(sessionIds: string[]): void {
    this.generation++;
    for (const id of sessionIds) this.active.delete(id);
  }

  forgetUsers(userIds: string[]): void {
    this.generation++;
    const users = new Set(userIds);
    for (const [id, entry] of this.active) if (users.has(entry.userId)) this.active.delete(id);
  }

  clear(): void {
    this.generation++;
    this.active.clear();
  }
}

/** Drops the oldest entries (insertion order) when a map or set is full. */
function bounded(collection: Map<string, unknown> | Set<string>): void {
  if (collection.size < MAX_ENTRIES) return;
  let drop = MAX_ENTRIES / 10;
  for (const key of collection.keys()) {
    collection.delete(key);
    if (--drop === 0) break;
  }
}

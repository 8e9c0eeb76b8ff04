/**
 * Frame ids of signed requests, for replay detection that keeps idempotency:
 * - an id is RESERVED when its signed frame passes the signature and clock checks, and SETTLED
 *   with the request's outcome: a success makes it final (a replay is refused for as long as the
 *   frame could still pass the clock check), a refusal releases it (a refused request did not
 *   happen, so its id may be retried: a copied frame that failed cannot burn the genuine one);
 * - the cache has a hard size bound (`maxEntries`) and a per-connection share (`maxPerOwner`), so
 *   a flood from a few connections cannot take the memory or the room legitimate clients need.
 *   When a connection's share is used up its new signed requests get 429; when the whole cache is
 *   full every new signed request gets 503 (fail closed: an id that cannot be remembered is
 *   never accepted), until entries expire.
 *
 * An entry lives until the frame's own timestamp leaves the accepted window (then a replay is
 * refused as stale anyway). Memory per entry is measured in test/unit/security/replay-cache.spec.ts
 * (documented in docs/protocol.md, "Replay protection").
 */

export type ReserveOutcome =
  /** New id: recorded as pending until settle(). */
  | 'reserved'
  /** A request with this id succeeded within the window: a replay. */
  | 'seen'
  /** A request with this id is being handled right now. */
  | 'in-progress'
  /** This connection holds its share of the cache. */
  | 'owner-full'
  /** The cache holds maxEntries live ids. */
  | 'full';

export interface ReplayCacheLimits {
  /** How long after a frame's timestamp it can still pass the clock check (ms). */
  windowMs: number;
  /** Hard bound on remembered ids. */
  maxEntries: number;
  /** Bound on ids remembered for one owner (connection). */
  maxPerOwner: number;
}

interface Entry {
  expiry: number;
  owner: string;
  final: boolean;
}

/** After a full scan found nothing to sweep, wait this long before scanning again (flood cost bound). */
const FULL_SCAN_INTERVAL_MS = 1000;

export class ReplayCache {
  /** id → entry. Insertion order ≈ expiry order, so the routine sweep stops at the first live entry. */
  private readonly entries = new Map<string, Entry>();
  private readonly owners = new Map<string, number>();
  private lastFullScan = 0;

  constructor(readonly limits: ReplayCacheLimits) {}

  get size(): number {
    return this.entries.size;
  }

  /** Live ids held for `owner`. */
  heldBy(owner: string): number {
    return this.owners.get(owner) ?? 0;
  }

  /** Milliseconds until the oldest entry expires (a hint for retry_after_ms when full). */
  retryAfterMs(now: number = Date.now()): number {
    const first = this.entries.values().next();
    return first.done ? 1000 : Math.max(1000, first.value.expiry - now);
  }

  /** Checks and, when new, records `id` as pending for `owner`. */
  reserve(id: string, timestampMs: number, owner: string, now: number = Date.now()): ReserveOutcome {
    this.sweep(now);
    const existing = this.entries.get(id);
    if (existing) {
      if (existing.expiry > now) return existing.final ? 'seen' : 'in-progress';
      this.remove(id, existing);
    }
    if (this.heldBy(owner) >= this.limits.maxPerOwner) return 'owner-full';
    if (this.entries.size >= this.limits.maxEntries) {
      this.fullSweep(now);
      if (this.entries.size >= this.limits.maxEntries) return 'full';
    }
    this.entries.set(id, { expiry: Math.max(timestampMs, now) + this.limits.windowMs, owner, final: false });
    this.owners.set(owner, this.heldBy(owner) + 1);
    return 'reserved';
  }

  /**
   * Settles a reservation: `final` (the request succeeded) keeps the id until it expires; otherwise
   * the id is released and may be used again.
   */
  settle(id: string, final: boolean): void {
    const entry = this.entries.get(id);
    if (!entry || entry.final) return;
    if (final) entry.final = true;
    else this.remove(id, entry);
  }

  /** Records an id as final at once (client events: they have no response to wait for). */
  recordFinal(id: string, timestampMs: number, owner: string, now: number = Date.now()): ReserveOutcome {
    const outcome = this.reserve(id, timestampMs, owner, now);
    if (outcome === 'reserved') this.settle(id, true);
    return outcome;
  }

  private remove(id: string, entry: Entry): void {
    this.entries.delete(id);
    const held = this.heldBy(entry.owner) - 1;
    if (held > 0) this.owners.set(entry.owner, held);
    else this.owners.delete(entry.owner);
  }

  private sweep(now: number): void {
    for (const [id, entry] of this.entries) {
      if (entry.expiry > now) break;
      this.remove(id, entry);
    }
  }

  /** Frames stamped in the future sit at the head longer than later ones: when full, look at all. */
  private fullSweep(now: number): void {
    if (now - this.lastFullScan < FULL_SCAN_INTERVAL_MS) return;
    this.lastFullScan = now;
    for (const [id, entry] of this.entries) if (entry.expiry <= now) this.remove(id, entry);
  }
}

/**
 * Frame ids of signed frames seen recently, for replay detection. Bounded by time: an id is
 * only remembered until the frame's own timestamp leaves the accepted window, after which a
 * replay is refused as stale anyway. Memory is therefore at most (signed frames per second) ×
 * (2 × window); the per-connection and per-user rate limits bound that rate.
 *
 * Per process: with several nodes behind a load balancer a replay to another node is not seen
 * (a shared store such as Redis `SET id NX PX` would be needed for that).
 */
export class ReplayCache {
  /** id → expiry (ms). Insertion order ≈ expiry order, so sweeping stops at the first live entry. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  get size(): number {
    return this.seen.size;
  }

  /**
   * Records `id` for a frame stamped `timestampMs`; returns false if it was already recorded and
   * has not expired (a replay).
   */
  remember(id: string, timestampMs: number, now: number = Date.now()): boolean {
    this.sweep(now);
    const expiry = this.seen.get(id);
    if (expiry !== undefined && expiry > now) return false;
    // Re-inserting keeps the map's order close to expiry order.
    this.seen.delete(id);
    this.seen.set(id, Math.max(timestampMs, now) + this.windowMs);
    return true;
  }

  private sweep(now: number): void {
    for (const [id, expiry] of this.seen) {
      if (expiry > now) break;
      this.seen.delete(id);
    }
  }
}

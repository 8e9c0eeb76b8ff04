/**
 * Per-origin sequence tracking for the cluster event bus: every node numbers what it publishes
 * (1, 2, 3, ...) and every reader remembers the last number it delivered per origin. That gives
 * exactly-once delivery (an entry written twice by a retried XADD is skipped) and turns any loss
 * into a visible gap (an origin's buffer overflowed during an outage, the stream was trimmed
 * past a reader that was cut off too long, or Redis restarted empty), never a silent one.
 */

export interface OriginEntry {
  /** Origin node id. */
  n: string;
  /** Origin's sequence number: of this message, or for a mark, of its last message. */
  s: number;
  /** Origin's start time (ms): an origin that started after us must begin at 1. */
  b: number;
  /** Set on the last mark of an origin that shut down cleanly (nothing left unsent). */
  e?: 1;
}

export type SequenceVerdict = { deliver: boolean; missed: number };

export class BusSequence {
  private readonly last = new Map<string, number>();
  /** When each origin was last heard from (message or mark). */
  private readonly heard = new Map<string, number>();

  constructor(private readonly startedAt: number) {}

  /**
   * A message entry (`mark` false) or a mark (the origin's latest number, published
   * periodically so a lost tail is noticed even when the origin sends nothing more).
   */
  accept(entry: OriginEntry, mark: boolean, now = Date.now()): SequenceVerdict {
    const previous = this.last.get(entry.n);
    if (entry.e) {
      // A clean goodbye: the origin flushed everything before it, and will not be heard again.
      this.forget(entry.n);
      return { deliver: false, missed: previous === undefined ? 0 : Math.max(0, entry.s - previous) };
    }
    this.heard.set(entry.n, now);
    if (previous === undefined) {
      // First entry seen from this origin. If it started after us, we should have seen all it
      // ever sent (numbers from 1); if it started before, this is where we came in.
      const missed = entry.b >= this.startedAt ? entry.s - (mark ? 0 : 1) : 0;
      this.last.set(entry.n, entry.s);
      return { deliver: !mark, missed };
    }
    if (entry.s <= previous) return { deliver: false, missed: 0 };
    const missed = entry.s - previous - (mark ? 0 : 1);
    this.last.set(entry.n, entry.s);
    return { deliver: !mark, missed };
  }

  /** Forgets an origin (it stopped: its marks ended); bounded by the number of nodes. */
  forget(origin: string): void {
    this.last.delete(origin);
    this.heard.delete(origin);
  }

  /**
   * Origins not heard from since `before` without a goodbye: they died (crash, kill -9) and
   * may have taken unsent pushes with them. They are forgotten; the caller announces a resync.
   */
  vanishedSince(before: number): string[] {
    const gone = [...this.heard].filter(([, at]) => at < before).map(([origin]) => origin);
    for (const origin of gone) this.forget(origin);
    return gone;
  }

  get origins(): number {
    return this.last.size;
  }
}

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
}

export type SequenceVerdict = { deliver: boolean; missed: number };

export class BusSequence {
  private readonly last = new Map<string, number>();

  constructor(private readonly startedAt: number) {}

  /**
   * A message entry (`mark` false) or a mark (the origin's latest number, published
   * periodically so a lost tail is noticed even when the origin sends nothing more).
   */
  accept(entry: OriginEntry, mark: boolean): SequenceVerdict {
    const previous = this.last.get(entry.n);
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
  }

  get origins(): number {
    return this.last.size;
  }
}

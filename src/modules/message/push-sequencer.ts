/**
 * Keeps the live pushes of one conversation in seq order within this process.
 *
 * Seqs are allocated in lock order, but the code after each store runs concurrently, so the
 * send holding seq 6 can reach its push before the one holding seq 5 (observed under load).
 * Each send takes a numbered ticket before storing and settles it afterwards with its seq and
 * push (or with nothing: failure, duplicate).
 *
 * When a store settles, its seq is committed, so any store that BEGINS later gets a higher seq.
 * Only tickets already in flight at that moment (numbers <= the settling store's "horizon") can
 * still bring a lower seq. A held push is therefore published once no ticket up to its horizon
 * (or the horizon of any higher held seq, whichever is smaller) is in flight, and held pushes go
 * out in seq order. No timers, no waiting for seqs allocated by
 * other processes (nothing here knows them; clients order by seq across processes), and no
 * starvation: new sends never delay an earlier one.
 */
import { Injectable } from '@nestjs/common';

interface Held {
  seq: number;
  horizon: number;
  push: () => void;
}

interface Lane {
  /** Tickets in flight, in ticket order (Map keeps insertion order; numbers only increase). */
  inflight: Map<number, true>;
  /** Settled pushes not yet published, ascending seq. */
  held: Held[];
}

export interface PushTicket {
  /** Stored with `seq`: publish `push` in order. */
  stored(seq: number, push: () => void): void;
  /** Nothing stored (error, duplicate). */
  cancelled(): void;
}

@Injectable()
export class PushSequencer {
  private readonly lanes = new Map<string, Lane>();
  private lastTicket = 0;

  begin(conversationId: string): PushTicket {
    let lane = this.lanes.get(conversationId);
    if (!lane) this.lanes.set(conversationId, (lane = { inflight: new Map(), held: [] }));
    const ticket = ++this.lastTicket;
    lane.inflight.set(ticket, true);
    let settled = false;
    const settle = (entry?: { seq: number; push: () => void }) => {
      if (settled) return;
      settled = true;
      lane.inflight.delete(ticket);
      if (entry) {
        const held: Held = { ...entry, horizon: this.lastTicket };
        const at = lane.held.findIndex((h) => h.seq > entry.seq);
        lane.held.splice(at === -1 ? lane.held.length : at, 0, held);
      }
      this.drain(conversationId, lane);
    };
    return { stored: (seq, push) => settle({ seq, push }), cancelled: () => settle() };
  }

  /** Pushes held back waiting for a lower seq (tests, metrics). */
  get heldPushes(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.held.length;
    return n;
  }

  private drain(conversationId: string, lane: Lane): void {
    while (lane.held.length > 0) {
      // Every held seq is >= the head's, so a ticket begun after ANY of them settled cannot
      // bring a seq below the head: the tightest horizon is the smallest one held.
      let horizon = lane.held[0].horizon;
      for (const h of lane.held) horizon = Math.min(horizon, h.horizon);
      const oldestInflight = lane.inflight.keys().next();
      if (!oldestInflight.done && oldestInflight.value <= horizon) return;
      const head = lane.held.shift()!;
      try {
        head.push();
      } catch {
        // A failing publish must not stall the lane; the publisher logs its own failures.
      }
    }
    if (lane.inflight.size === 0) this.lanes.delete(conversationId);
  }
}

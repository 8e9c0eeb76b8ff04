/**
 * Keeps live pushes of one conversation in seq order within this process.
 *
 * Seqs are allocated in order (row lock / single writer), but the code after each commit runs
 * concurrently: the send holding seq 6 could publish before the one holding seq 5. Each send
 * registers its seq the moment it is allocated (inside its transaction), then hands over its
 * push after the commit, or releases the seq if the transaction failed. A push is published
 * only when every lower seq allocated in this process has been published or released. Seqs
 * allocated by another process are never waited for (nothing here knows them), so there are no
 * timeouts and no cross-process stalls; across processes clients order by seq themselves.
 */
import { Injectable } from '@nestjs/common';

interface Slot {
  seq: number;
  state: 'allocated' | 'ready' | 'released';
  push?: () => void;
}

@Injectable()
export class PushSequencer {
  private readonly lanes = new Map<string, Slot[]>();

  /** Call inside the transaction, as soon as the seq is known. */
  allocated(conversationId: string, seq: number): void {
    let lane = this.lanes.get(conversationId);
    if (!lane) this.lanes.set(conversationId, (lane = []));
    lane.push({ seq, state: 'allocated' });
  }

  /** The message is committed: run `push` once every lower local seq is done. */
  ready(conversationId: string, seq: number, push: () => void): void {
    this.settle(conversationId, seq, (slot) => {
      slot.state = 'ready';
      slot.push = push;
    });
  }

  /** The transaction failed: nothing will be pushed for this seq. */
  released(conversationId: string, seq: number): void {
    this.settle(conversationId, seq, (slot) => (slot.state = 'released'));
  }

  /** Conversations with pushes held back (for tests/metrics). */
  get pendingLanes(): number {
    return this.lanes.size;
  }

  private settle(conversationId: string, seq: number, update: (slot: Slot) => void): void {
    const lane = this.lanes.get(conversationId);
    const slot = lane?.find((s) => s.seq === seq);
    if (!lane || !slot) return;
    update(slot);
    while (lane.length > 0 && lane[0].state !== 'allocated') {
      const head = lane.shift()!;
      head.push?.();
    }
    if (lane.length === 0) this.lanes.delete(conversationId);
  }
}

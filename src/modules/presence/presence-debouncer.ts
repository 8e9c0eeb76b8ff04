/**
 * Per-user coalescing of presence changes. The first change of a user opens a window of
 * `windowMs`; later changes inside it only count. When the window closes, `flush(key, changes)`
 * runs once and decides (against the last announced state) whether anything is sent. A window
 * is fixed, not sliding, so a user flapping forever still gets announced every `windowMs`.
 */
export type FlushFn = (key: string, changes: number) => void;

export class PresenceDebouncer {
  private readonly pending = new Map<string, { timer: NodeJS.Timeout; changes: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly flush: FlushFn,
  ) {}

  get pendingKeys(): number {
    return this.pending.size;
  }

  mark(key: string): void {
    const entry = this.pending.get(key);
    if (entry) {
      entry.changes++;
      return;
    }
    const timer = setTimeout(() => {
      const done = this.pending.get(key);
      this.pending.delete(key);
      if (done) this.flush(key, done.changes);
    }, this.windowMs);
    timer.unref();
    this.pending.set(key, { timer, changes: 1 });
  }

  /** Drops every pending window without flushing (shutdown). */
  cancelAll(): void {
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}

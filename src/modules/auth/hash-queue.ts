/**
 * Bounded concurrency for password hashing (argon2id: ~20 MiB and tens of ms of CPU each). At
 * most `concurrency` hashes run at once, at most `queueMax` wait; beyond that a login (or
 * registration) is refused AT ONCE with 503 UNAVAILABLE and a jittered retry_after_ms instead of
 * queueing for tens of seconds, so a reconnect storm cannot pile up work the clients will have
 * given up on. Clients reconnect with their access or refresh token, which needs no hash.
 */
import { ProtocolError } from '../../shared/protocol';

export class HashQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** Refused because the queue was full (metrics, tests). */
  refused = 0;

  constructor(
    readonly concurrency: number,
    readonly queueMax: number,
    /** Base of the retry hint; each refusal adds up to the same again as jitter. */
    private readonly retryAfterMs: number,
  ) {}

  get queued(): number {
    return this.waiting.length;
  }

  get active(): number {
    return this.running;
  }

  /** Runs `work` when a slot is free; throws 503 UNAVAILABLE right away when the queue is full. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queueMax) {
        this.refused++;
        const wait = Math.round(this.retryAfterMs + Math.random() * this.retryAfterMs);
        throw new ProtocolError(
          'UNAVAILABLE',
          `too many logins at once; retry after retry_after_ms (${wait} ms), or reconnect with your access token or auth/refresh, which need no password check`,
          503,
          { retry_after_ms: wait },
        );
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter (running stays the same), or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

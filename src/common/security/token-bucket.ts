/**
 * A token bucket: `burst` tokens, refilled continuously at `ratePerSecond`. Refill is computed
 * lazily from the elapsed time, so an idle bucket costs nothing and needs no timer.
 */
import type { BucketSpec } from '../../config/security.config';

export class TokenBucket {
  protected tokens: number;
  protected last: number;

  constructor(
    protected readonly spec: BucketSpec,
    now: number = Date.now(),
  ) {
    this.tokens = spec.burst;
    this.last = now;
  }

  /** Milliseconds until one token is available (0 = available now). Does not consume. */
  waitMs(now: number = Date.now()): number {
    this.refill(now);
    if (this.tokens >= 1) return 0;
    return Math.ceil(((1 - this.tokens) * 1000) / this.spec.ratePerSecond);
  }

  /** Takes one token; call only after waitMs() returned 0. */
  consume(): void {
    this.tokens -= 1;
  }

  /** True when the bucket is back to its full burst: it can be forgotten without changing behaviour. */
  isFull(now: number = Date.now()): boolean {
    this.refill(now);
    return this.tokens >= this.spec.burst;
  }

  protected refill(now: number): void {
    const elapsed = now - this.last;
    if (elapsed <= 0) return;
    this.tokens = Math.min(this.spec.burst, this.tokens + (elapsed * this.spec.ratePerSecond) / 1000);
    this.last = now;
  }
}

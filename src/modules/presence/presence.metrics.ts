/**
 * Presence counters: events sent (one per recipient user or subscribed connection) and changes
 * suppressed by the debounce (coalesced into a later event, or cancelled out within a window).
 * Kept here as plain numbers (tests and ops can read them) and mirrored into the global metrics
 * registry when one is installed.
 */
import { Injectable } from '@nestjs/common';

export interface CounterSink {
  inc(value: number): void;
}

@Injectable()
export class PresenceMetrics {
  sentTotal = 0;
  suppressedTotal = 0;
  private sentSink?: CounterSink;
  private suppressedSink?: CounterSink;

  /** Connects the counters to exported metrics (called by the module when metrics exist). */
  bind(sinks: { sent: CounterSink; suppressed: CounterSink }): void {
    this.sentSink = sinks.sent;
    this.suppressedSink = sinks.suppressed;
  }

  sent(n: number): void {
    if (n <= 0) return;
    this.sentTotal += n;
    this.sentSink?.inc(n);
  }

  suppressed(n: number): void {
    if (n <= 0) return;
    this.suppressedTotal += n;
    this.suppressedSink?.inc(n);
  }
}

/**
 * Presence counters: events sent (one per recipient user or subscribed connection) and changes
 * suppressed by the debounce (coalesced into a later event, or cancelled out within a window).
 * Kept as plain numbers (tests read them) and as `switchboard_presence_events_total{outcome}`,
 * defined here on the app's registry (see featureRegisters).
 */
import { Injectable, Optional } from '@nestjs/common';
import { Counter } from 'prom-client';
import { featureRegisters, MetricsService } from '../../common/metrics';

@Injectable()
export class PresenceMetrics {
  sentTotal = 0;
  suppressedTotal = 0;
  private readonly sentCounter: Counter.Internal;
  private readonly suppressedCounter: Counter.Internal;

  constructor(@Optional() metrics?: MetricsService) {
    const events = new Counter({
      name: 'switchboard_presence_events_total',
      help: 'Presence events by outcome (sent or suppressed).',
      labelNames: ['outcome'],
      registers: featureRegisters(metrics),
    });
    this.sentCounter = events.labels({ outcome: 'sent' });
    this.suppressedCounter = events.labels({ outcome: 'suppressed' });
  }

  sent(n: number): void {
    if (n <= 0) return;
    this.sentTotal += n;
    this.sentCounter.inc(n);
  }

  suppressed(n: number): void {
    if (n <= 0) return;
    this.suppressedTotal += n;
    this.suppressedCounter.inc(n);
  }
}

/**
 * Presence counters: events sent (one per recipient user or subscribed connection) and changes
 * suppressed by the debounce (coalesced into a later event, or cancelled out within a window).
 * Kept here as plain numbers (tests read them) and forwarded to the ops MetricsService
 * (`switchboard_presence_events_total{outcome}`) when the metrics module is loaded.
 */
import { Injectable, Optional } from '@nestjs/common';
import { MetricsService } from '../../common/metrics/metrics.service';

@Injectable()
export class PresenceMetrics {
  sentTotal = 0;
  suppressedTotal = 0;

  constructor(@Optional() private readonly metrics?: MetricsService) {}

  sent(n: number): void {
    if (n <= 0) return;
    this.sentTotal += n;
    this.metrics?.presenceEvents.inc({ outcome: 'sent' }, n);
  }

  suppressed(n: number): void {
    if (n <= 0) return;
    this.suppressedTotal += n;
    this.metrics?.presenceEvents.inc({ outcome: 'suppressed' }, n);
  }
}

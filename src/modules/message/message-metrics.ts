/**
 * Message counters: kept locally (tests read them) and forwarded to the ops MetricsService
 * (Prometheus) when the metrics module is loaded. Optional so the module also runs without it.
 */
import { Injectable, Optional } from '@nestjs/common';
import { MetricsService } from '../../common/metrics/metrics.service';

@Injectable()
export class MessageMetrics {
  readonly counts = { persisted: 0, pushedLive: 0, pushedOffline: 0, deduplicated: 0, offlineBatches: 0, receiptsSent: 0 };

  constructor(@Optional() private readonly metrics?: MetricsService) {}

  persisted(): void {
    this.counts.persisted++;
    this.metrics?.messagesPersisted.inc();
  }

  /** One message published live (to however many connections the bus reaches). */
  pushedLive(): void {
    this.counts.pushedLive++;
    this.metrics?.messagesPushed.inc({ kind: 'live' });
  }

  offlineBatch(size: number): void {
    this.counts.offlineBatches++;
    this.counts.pushedOffline += size;
    this.metrics?.messagesPushed.inc({ kind: 'offline' }, size);
  }

  deduplicated(): void {
    this.counts.deduplicated++;
  }

  receipt(): void {
    this.counts.receiptsSent++;
  }
}

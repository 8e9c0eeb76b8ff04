/**
 * The message module's series (switchboard_messages_*), defined here on the app's registry (see
 * featureRegisters). The plain counts are what unit/e2e tests read without scraping.
 */
import { Injectable, Optional } from '@nestjs/common';
import { Counter } from 'prom-client';
import { featureRegisters, MetricsService } from '../../common/metrics';

/**
 * The hot counts (one per message) are plain numbers; prom-client's counters are brought up to
 * date in their `collect` hook, which runs whenever the series are read (a scrape, counter.get()).
 * An inc() per message hashed the (empty) label set and rewrote the series entry: ≈ 2 % of a
 * send's server CPU in the relay profile.
 */
@Injectable()
export class MessageMetrics {
  readonly counts = { persisted: 0, pushedLive: 0, pushedOffline: 0, deduplicated: 0, offlineBatches: 0, receiptsSent: 0 };
  /** What the prom-client counters have been given so far. */
  private readonly exported = { persisted: 0, pushedLive: 0, pushedOffline: 0 };

  constructor(@Optional() metrics?: MetricsService) {
    const registers = featureRegisters(metrics);
    const counts = this.counts;
    const exported = this.exported;
    new Counter({
      name: 'switchboard_messages_persisted_total',
      help: 'Messages stored in the database.',
      registers,
      collect() {
        this.inc(counts.persisted - exported.persisted);
        exported.persisted = counts.persisted;
      },
    });
    new Counter({
      name: 'switchboard_messages_pushed_total',
      help: 'Messages pushed to client connections (kind: live or offline).',
      labelNames: ['kind'],
      registers,
      collect() {
        this.inc({ kind: 'live' }, counts.pushedLive - exported.pushedLive);
        this.inc({ kind: 'offline' }, counts.pushedOffline - exported.pushedOffline);
        exported.pushedLive = counts.pushedLive;
        exported.pushedOffline = counts.pushedOffline;
      },
    });
  }

  persisted(): void {
    this.counts.persisted++;
  }

  /** One message published live (to however many connections the bus reaches). */
  pushedLive(): void {
    this.counts.pushedLive++;
  }

  offlineBatch(size: number): void {
    this.counts.offlineBatches++;
    this.counts.pushedOffline += size;
  }

  deduplicated(): void {
    this.counts.deduplicated++;
  }

  receipt(): void {
    this.counts.receiptsSent++;
  }
}

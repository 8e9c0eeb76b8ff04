/**
 * The message module's series (switchboard_messages_*), defined here on the app's registry (see
 * featureRegisters). The plain counts are what unit/e2e tests read without scraping.
 */
import { Injectable, Optional } from '@nestjs/common';
import { Counter } from 'prom-client';
import { featureRegisters, MetricsService } from '../../common/metrics';

@Injectable()
export class MessageMetrics {
  readonly counts = { persisted: 0, pushedLive: 0, pushedOffline: 0, deduplicated: 0, offlineBatches: 0, receiptsSent: 0 };
  private readonly persistedTotal: Counter;
  private readonly pushedLiveTotal: Counter.Internal;
  private readonly pushedOfflineTotal: Counter.Internal;

  constructor(@Optional() metrics?: MetricsService) {
    const registers = featureRegisters(metrics);
    this.persistedTotal = new Counter({
      name: 'switchboard_messages_persisted_total',
      help: 'Messages stored in the database.',
      registers,
    });
    const pushed = new Counter({
      name: 'switchboard_messages_pushed_total',
      help: 'Messages pushed to client connections (kind: live or offline).',
      labelNames: ['kind'],
      registers,
    });
    // Labelled children resolved once: no label hashing per message.
    this.pushedLiveTotal = pushed.labels({ kind: 'live' });
    this.pushedOfflineTotal = pushed.labels({ kind: 'offline' });
  }

  persisted(): void {
    this.counts.persisted++;
    this.persistedTotal.inc();
  }

  /** One message published live (to however many connections the bus reaches). */
  pushedLive(): void {
    this.counts.pushedLive++;
    this.pushedLiveTotal.inc();
  }

  offlineBatch(size: number): void {
    this.counts.offlineBatches++;
    this.counts.pushedOffline += size;
    this.pushedOfflineTotal.inc(size);
  }

  deduplicated(): void {
    this.counts.deduplicated++;
  }

  receipt(): void {
    this.counts.receiptsSent++;
  }
}

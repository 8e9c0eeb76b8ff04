/** The push module's series (featureRegisters): queued, sent, failed by provider and reason, outbox age. */
import { Injectable, Optional } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { featureRegisters, MetricsService } from '../../common/metrics';

@Injectable()
export class PushMetrics {
  readonly queued: Counter<'platform'>;
  readonly sent: Counter<'platform'>;
  readonly failed: Counter<'platform' | 'reason'>;
  readonly skipped: Counter<'reason'>;
  readonly devicesRemoved: Counter<'reason'>;
  readonly recovered: Counter;
  readonly outboxDue: Gauge;
  readonly outboxAge: Gauge;

  constructor(@Optional() metrics?: MetricsService) {
    const registers = featureRegisters(metrics);
    this.queued = new Counter({ name: 'switchboard_push_queued_total', help: 'Entries queued in the push outbox, by platform.', labelNames: ['platform'], registers });
    this.sent = new Counter({ name: 'switchboard_push_sent_total', help: 'Pushes a provider accepted, by platform.', labelNames: ['platform'], registers });
    this.failed = new Counter({
      name: 'switchboard_push_failed_total',
      help: 'Push attempts that failed, by platform and reason (dead-token, rate-limited, provider-error, network, rejected, unsafe-url, not-configured, gave-up).',
      labelNames: ['platform', 'reason'],
      registers,
    });
    this.skipped = new Counter({ name: 'switchboard_push_skipped_total', help: 'Due pushes not sent, by reason (online, quiet-hours).', labelNames: ['reason'], registers });
    this.devicesRemoved = new Counter({ name: 'switchboard_push_devices_removed_total', help: 'Push tokens removed, by reason (unregister, dead-token, session-ended).', labelNames: ['reason'], registers });
    this.recovered = new Counter({ name: 'switchboard_push_recovered_entries_total', help: 'Stream entries re-derived by the crash-recovery scan.', registers });
    this.outboxDue = new Gauge({ name: 'switchboard_push_outbox_due', help: 'Outbox rows with a push to send.', registers });
    this.outboxAge = new Gauge({ name: 'switchboard_push_outbox_oldest_seconds', help: 'How long the oldest due push has been due (seconds).', registers });
  }
}

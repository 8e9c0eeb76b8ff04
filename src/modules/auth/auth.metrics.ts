/**
 * The auth module's series: failed authentications by reason (login, refresh, and bearer tokens
 * refused by the global token guard through AccessTokenVerifier.failed), on the app's registry.
 */
import { Injectable, Optional } from '@nestjs/common';
import { Counter } from 'prom-client';
import { featureRegisters, MetricsService } from '../../common/metrics';
import { ProtocolError } from '../../shared/protocol';

@Injectable()
export class AuthMetrics {
  private readonly failures: Counter<'reason'>;

  constructor(@Optional() metrics?: MetricsService) {
    this.failures = new Counter({
      name: 'switchboard_auth_failures_total',
      help: 'Failed authentications by reason.',
      labelNames: ['reason'],
      registers: featureRegisters(metrics),
    });
  }

  /** Counts a refused authentication by its error code (validation errors are not failures). */
  failure(err: unknown): void {
    if (ProtocolError.is(err) && err.status !== 400) this.failures.inc({ reason: err.code.toLowerCase() });
  }
}

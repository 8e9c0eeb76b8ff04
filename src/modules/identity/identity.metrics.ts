/** The identity module's series, on the app's registry (featureRegisters). */
import { Injectable, Optional } from '@nestjs/common';
import { Counter } from 'prom-client';
import { featureRegisters, MetricsService } from '../../common/metrics';

@Injectable()
export class IdentityMetrics {
  /** Users whose sessions were ended because the provider no longer vouches for them. */
  readonly leavers: Counter<'provider'>;

  constructor(@Optional() metrics?: MetricsService) {
    const registers = featureRegisters(metrics);
    this.leavers = new Counter({
      name: 'switchboard_identity_revoked_users_total',
      help: 'Users whose sessions were revoked because their directory entry or provider account was disabled, deleted or logged out.',
      labelNames: ['provider'],
      registers,
    });
  }
}

/** The poll module's series, defined on the app's registry from inside the module (featureRegisters). */
import { Injectable, Optional } from '@nestjs/common';
import { Counter } from 'prom-client';
import { featureRegisters, MetricsService } from '../../common/metrics';

@Injectable()
export class PollMetrics {
  readonly created: Counter;
  readonly votes: Counter;

  constructor(@Optional() metrics?: MetricsService) {
    const registers = featureRegisters(metrics);
    this.created = new Counter({ name: 'switchboard_polls_created_total', help: 'Polls created.', registers });
    this.votes = new Counter({ name: 'switchboard_poll_votes_total', help: 'Poll votes cast or changed.', registers });
  }
}

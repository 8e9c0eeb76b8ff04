/**
 * Feeds the transport-level series from the transport's plugin hooks. Command labels are only
 * ever known command names (or "unknown"), so a client sending random commands cannot blow up
 * the number of time series.
 */
import { Injectable, OnModuleInit } from '@nestjs/common';
import { commandInfo, Envelope, normalizeCommand } from '../../shared/protocol';
import type { Connection } from '../../transport/connection';
import { SwitchboardServer } from '../../transport/switchboard.server';
import type { RequestOutcome, TransportPlugin } from '../../transport/transport-plugin';
import { MetricsService } from './metrics.service';

@Injectable()
export class MetricsPlugin implements TransportPlugin, OnModuleInit {
  readonly name = 'metrics';

  constructor(
    private readonly metrics: MetricsService,
    private readonly server: SwitchboardServer,
  ) {}

  onModuleInit(): void {
    this.server.use(this);
  }

  onConnect(): void {
    this.metrics.connectionsTotal.inc();
  }

  onClose(conn: Connection): void {
    this.metrics.connectionClosed(conn);
  }

  onInbound(_conn: Connection, envelope: Envelope, command: string): void {
    this.metrics.framesIn.inc({ command: this.label(command), type: envelope.type });
  }

  onOutbound(_conn: Connection, frame: Envelope): void {
    const status = (frame.payload as { status?: unknown } | undefined)?.status;
    this.metrics.framesOut.inc({
      command: frame.command === '' ? 'none' : this.label(normalizeCommand(frame.command)),
      type: frame.type,
      status: typeof status === 'number' ? String(status) : '',
    });
  }

  onRequestDone(_conn: Connection, outcome: RequestOutcome): void {
    const command = this.label(outcome.command);
    this.metrics.requests.inc({ command, status: String(outcome.status) });
    this.metrics.requestDuration.observe({ command }, outcome.durationMs / 1000);
  }

  onFrameRejected(_conn: Connection, errorCode: string): void {
    this.metrics.framesRejected.inc({ error_code: errorCode });
  }

  private label(command: string): string {
    return commandInfo(command) || this.server.getHandlers().has(command) ? command : 'unknown';
  }
}

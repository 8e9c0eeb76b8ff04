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

interface Incrementable {
  inc(): void;
}
interface Observable {
  observe(value: number): void;
}
const MAX_CACHED_CHILDREN = 2048;

@Injectable()
export class MetricsPlugin implements TransportPlugin, OnModuleInit {
  readonly name = 'metrics';
  private readonly counterChildren = new Map<string, Incrementable>();
  private readonly histogramChildren = new Map<string, Observable>();

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
    this.child(`in|${command}|${envelope.type}`, () =>
      this.metrics.framesIn.labels({ command: this.label(command), type: envelope.type }),
    ).inc();
  }

  onOutbound(_conn: Connection, frame: Envelope): void {
    const status = (frame.payload as { status?: unknown } | undefined)?.status;
    const statusLabel = typeof status === 'number' ? String(status) : '';
    this.child(`out|${frame.command}|${frame.type}|${statusLabel}`, () =>
      this.metrics.framesOut.labels({
        command: frame.command === '' ? 'none' : this.label(normalizeCommand(frame.command)),
        type: frame.type,
        status: statusLabel,
      }),
    ).inc();
  }

  onRequestDone(_conn: Connection, outcome: RequestOutcome): void {
    const status = String(outcome.status);
    this.child(`req|${outcome.command}|${status}`, () =>
      this.metrics.requests.labels({ command: this.label(outcome.command), status }),
    ).inc();
    this.histogram(outcome.command).observe(outcome.durationMs / 1000);
  }

  onFrameRejected(_conn: Connection, errorCode: string): void {
    this.child(`rej|${errorCode}`, () => this.metrics.framesRejected.labels({ error_code: errorCode })).inc();
  }

  private label(command: string): string {
    return commandInfo(command) || this.server.getHandlers().has(command) ? command : 'unknown';
  }

  /**
   * Labelled children are cached: prom-client hashes the label object on every inc(), which was
   * the largest per-request cost of the full app in bench/. Keys hold the raw values, which map
   * to a bounded label set (unknown commands all label as "unknown"), but the raw values are
   * client-chosen, so the cache is cleared when it grows past a bound.
   */
  private child(key: string, create: () => Incrementable): Incrementable {
    let child = this.counterChildren.get(key);
    if (!child) {
      if (this.counterChildren.size >= MAX_CACHED_CHILDREN) this.counterChildren.clear();
      child = create();
      this.counterChildren.set(key, child);
    }
    return child;
  }

  private histogram(command: string): Observable {
    let child = this.histogramChildren.get(command);
    if (!child) {
      if (this.histogramChildren.size >= MAX_CACHED_CHILDREN) this.histogramChildren.clear();
      child = this.metrics.requestDuration.labels({ command: this.label(command) });
      this.histogramChildren.set(command, child);
    }
    return child;
  }
}

/**
 * Feeds the transport-level series from the transport's plugin hooks. Command labels are only
 * ever known command names (or "unknown"), so a client sending random commands cannot blow up
 * the number of time series.
 */
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { commandInfo, Envelope, normalizeCommand } from '../../shared/protocol';
import type { Connection } from '../../transport/connection';
import type { ChannelConnection } from '../../transport/tlv-channel';
import { SwitchboardServer } from '../../transport/switchboard.server';
import { PluginOrder, type RequestOutcome, type TransportPlugin } from '../../transport/transport-plugin';
import { MetricsService } from './metrics.service';

interface Incrementable {
  inc(): void;
}
interface Observable {
  observe(value: number): void;
}
const MAX_CACHED_KEYS = 1024;

/** A labelled count kept as a plain number per frame, added to its prom-client counter at scrape time. */
class Tally implements Incrementable {
  n = 0;
  constructor(readonly labels: Record<string, string>) {}
  inc(): void {
    this.n++;
  }
}

/**
 * The per-frame counters (frames in/out, requests): even through a cached labelled child,
 * prom-client hashes the label set and rebuilds the series' entry on every inc() (≈ 3 % of an
 * authenticated request's server CPU for three incs). Here a frame only bumps a Tally; the
 * counter's collect hook, which prom-client runs whenever the series are read (a /metrics
 * scrape, counter.get()), adds what accumulated. Tallies are keyed by their label values, so
 * there are as many as series, whatever clients send.
 */
class DeferredCounter {
  private readonly tallies = new Map<string, Tally>();

  constructor(private readonly counter: Counter<string>) {
    // prom-client keeps the `collect` option as an instance property and calls it from get().
    const hooked = counter as unknown as { collect?: () => unknown };
    const own = hooked.collect;
    hooked.collect = () => {
      this.flush();
      return own?.call(counter);
    };
  }

  child(labels: Record<string, string>): Tally {
    // Label names come in the same order from each call site below.
    const key = Object.values(labels).join('\u0000');
    let tally = this.tallies.get(key);
    if (tally === undefined) this.tallies.set(key, (tally = new Tally(labels)));
    return tally;
  }

  private flush(): void {
    for (const tally of this.tallies.values()) {
      if (tally.n === 0) continue;
      this.counter.inc(tally.labels, tally.n);
      tally.n = 0;
    }
  }
}

/**
 * Two-level cache (no key strings built per frame). Keys are raw client-chosen values that map
 * to a bounded label set (unknown commands label as "unknown"), so the cache is cleared when it
 * grows past a bound instead of growing with what clients send.
 */
class ChildCache<V> {
  private readonly byFirst = new Map<string, Map<string | number, V>>();

  get(first: string, second: string | number, create: () => V): V {
    let inner = this.byFirst.get(first);
    if (!inner) {
      if (this.byFirst.size >= MAX_CACHED_KEYS) this.byFirst.clear();
      this.byFirst.set(first, (inner = new Map()));
    }
    let child = inner.get(second);
    if (child === undefined) {
      if (inner.size >= MAX_CACHED_KEYS) inner.clear();
      inner.set(second, (child = create()));
    }
    return child;
  }
}

@Injectable()
export class MetricsPlugin implements TransportPlugin, OnModuleInit {
  readonly name = 'metrics';
  readonly order = PluginOrder.OBSERVE;
  // Labelled children cached per raw (command, status/type): prom-client hashes the label object
  // on every inc(), which was the largest per-request cost of the full app in bench/.
  private readonly framesIn = new ChildCache<Incrementable>();
  private readonly responsesOut = new ChildCache<Incrementable>();
  private readonly eventsOut = new ChildCache<Incrementable>();
  private readonly requests = new ChildCache<Incrementable>();
  private readonly durations = new ChildCache<Observable>();
  private readonly rejected = new ChildCache<Incrementable>();
  private readonly framesInCounter: DeferredCounter;
  private readonly framesOutCounter: DeferredCounter;
  private readonly requestsCounter: DeferredCounter;

  constructor(
    private readonly metrics: MetricsService,
    private readonly server: SwitchboardServer,
  ) {
    this.framesInCounter = new DeferredCounter(metrics.framesIn);
    this.framesOutCounter = new DeferredCounter(metrics.framesOut);
    this.requestsCounter = new DeferredCounter(metrics.requests);
  }

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
    this.framesIn.get(command, envelope.type, () =>
      this.framesInCounter.child({ command: this.label(command), type: envelope.type }),
    ).inc();
  }

  onOutbound(_conn: Connection, frame: Envelope): void {
    const status = (frame.payload as { status?: unknown } | undefined)?.status;
    const statusLabel = typeof status === 'number' ? status : '';
    // Responses are by far the most common outbound type: key on command and status only.
    const cache = frame.type === 'response' ? this.responsesOut : this.eventsOut;
    cache.get(frame.command, statusLabel, () =>
      this.framesOutCounter.child({
        command: frame.command === '' ? 'none' : this.label(normalizeCommand(frame.command)),
        type: frame.type,
        status: String(statusLabel),
      }),
    ).inc();
  }

  onRequestDone(_conn: Connection, outcome: RequestOutcome): void {
    this.requests.get(outcome.command, outcome.status, () =>
      this.requestsCounter.child({ command: this.label(outcome.command), status: String(outcome.status) }),
    ).inc();
    this.durations.get(outcome.command, 0, () => this.metrics.requestDuration.labels({ command: this.label(outcome.command) }))
      .observe(outcome.durationMs / 1000);
  }

  onFrameRejected(_conn: Connection, errorCode: string): void {
    this.rejected.get(errorCode, 0, () => this.metrics.framesRejected.labels({ error_code: errorCode })).inc();
  }

  onChannelOpen(conn: ChannelConnection): void {
    this.metrics.channelOpened(conn);
  }

  onChannelClose(conn: ChannelConnection): void {
    this.metrics.channelClosed(conn);
  }

  onChannelRejected(conn: ChannelConnection, errorCode: string): void {
    this.metrics.channelRejected.inc({ channel: conn.channel, error_code: errorCode });
  }

  private label(command: string): string {
    return commandInfo(command) || this.server.getHandlers().has(command) ? command : 'unknown';
  }
}

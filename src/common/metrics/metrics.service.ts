/**
 * Prometheus metrics of one app. Each app owns its own prom-client Registry (not the global
 * default one), so several apps in one test process never collide and /metrics shows exactly
 * this app's numbers.
 *
 * This class holds the transport-level series (fed by MetricsPlugin) and the process metrics.
 * A feature module defines its own series in its own folder (a `<name>.metrics.ts` provider)
 * on this app's registry — see `featureRegisters()` — so adding a counter never edits this file.
 */
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Connection } from '../../transport/connection';
import type { ChannelConnection } from '../../transport/tlv-channel';
import { ConnectionRegistry } from '../../transport/connection-registry';

interface ByteSample {
  read: number;
  written: number;
}

/**
 * Where a feature's metrics class registers its series: this app's registry, or none when the
 * metrics module is not loaded (the admin CLI), so the counters still work and stay private.
 *
 *   constructor(@Optional() metrics?: MetricsService) {
 *     this.votes = new Counter({ name: 'switchboard_poll_votes_total', help: '...', registers: featureRegisters(metrics) });
 *   }
 */
export function featureRegisters(metrics?: MetricsService): Registry[] {
  return metrics ? [metrics.registry] : [];
}

@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();

  readonly openConnections: Gauge;
  readonly connectionsTotal: Counter;
  readonly framesIn: Counter<'command' | 'type'>;
  readonly framesOut: Counter<'command' | 'type' | 'status'>;
  readonly framesRejected: Counter<'error_code'>;
  readonly requests: Counter<'command' | 'status'>;
  readonly requestDuration: Histogram<'command'>;
  readonly bytesIn: Counter;
  readonly bytesOut: Counter;

  /** Side-channel series (serveChannel, e.g. the file data channel), labelled by channel name. */
  readonly channelOpen: Gauge<'channel'>;
  readonly channelConnectionsTotal: Counter<'channel'>;
  readonly channelRejected: Counter<'channel' | 'error_code'>;
  readonly channelBytesIn: Counter<'channel'>;
  readonly channelBytesOut: Counter<'channel'>;

  private readonly samples = new Map<Connection, ByteSample>();
  private readonly channelSamples = new Map<ChannelConnection, ByteSample>();

  constructor(private readonly connections: ConnectionRegistry) {
    const registers = [this.registry];
    const sampleAll = () => {
      for (const conn of this.connections.all()) this.sampleBytes(conn);
    };
    this.openConnections = new Gauge({
      name: 'switchboard_open_connections',
      help: 'TCP/TLS client connections currently open on this process.',
      registers,
      collect: () => this.openConnections.set(this.connections.size),
    });
    this.connectionsTotal = new Counter({
      name: 'switchboard_connections_total',
      help: 'Client connections accepted since start.',
      registers,
    });
    this.framesIn = new Counter({
      name: 'switchboard_frames_in_total',
      help: 'Valid inbound frames by command and type (request/event/response).',
      labelNames: ['command', 'type'],
      registers,
    });
    this.framesOut = new Counter({
      name: 'switchboard_frames_out_total',
      help: 'Outbound frames by command, type and payload status ("" for events without one).',
      labelNames: ['command', 'type', 'status'],
      registers,
    });
    this.framesRejected = new Counter({
      name: 'switchboard_frames_rejected_total',
      help: 'Frames refused before or at dispatch, by error code.',
      labelNames: ['error_code'],
      registers,
    });
    this.requests = new Counter({
      name: 'switchboard_requests_total',
      help: 'Answered requests by command and response status.',
      labelNames: ['command', 'status'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'switchboard_request_duration_seconds',
      help: 'Time from receiving a request frame to writing its response, by command.',
      labelNames: ['command'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    // Bytes are sampled from the sockets' own counters at scrape time and on close, so the hot
    // path pays nothing per frame.
    this.bytesIn = new Counter({
      name: 'switchboard_bytes_in_total',
      help: 'Bytes read from client sockets.',
      registers,
      collect: sampleAll,
    });
    this.bytesOut = new Counter({
      name: 'switchboard_bytes_out_total',
      help: 'Bytes written to client sockets.',
      registers,
      collect: sampleAll,
    });
    const sampleChannels = () => {
      for (const conn of this.channelSamples.keys()) this.sampleChannelBytes(conn);
    };
    this.channelOpen = new Gauge({
      name: 'switchboard_channel_open_connections',
      help: 'Side-channel connections (e.g. the file data channel) currently open, by channel.',
      labelNames: ['channel'],
      registers,
    });
    this.channelConnectionsTotal = new Counter({
      name: 'switchboard_channel_connections_total',
      help: 'Side-channel connections accepted since start, by channel.',
      labelNames: ['channel'],
      registers,
    });
    this.channelRejected = new Counter({
      name: 'switchboard_channel_rejected_total',
      help: 'Side-channel connections refused or closed by the transport, by channel and error code.',
      labelNames: ['channel', 'error_code'],
      registers,
    });
    this.channelBytesIn = new Counter({
      name: 'switchboard_channel_bytes_in_total',
      help: 'Bytes read from side-channel sockets, by channel.',
      labelNames: ['channel'],
      registers,
      collect: sampleChannels,
    });
    this.channelBytesOut = new Counter({
      name: 'switchboard_channel_bytes_out_total',
      help: 'Bytes written to side-channel sockets, by channel.',
      labelNames: ['channel'],
      registers,
      collect: sampleChannels,
    });
    // Process metrics: CPU, memory, GC, handles, and nodejs_eventloop_lag_* (event-loop lag).
    collectDefaultMetrics({ register: this.registry });
  }

  /** Adds the bytes a socket moved since the last sample. */
  sampleBytes(conn: Connection): void {
    const socket = conn.socket;
    const last = this.samples.get(conn) ?? { read: 0, written: 0 };
    const read = socket.bytesRead;
    const written = socket.bytesWritten;
    if (read > last.read) this.bytesIn.inc(read - last.read);
    if (written > last.written) this.bytesOut.inc(written - last.written);
    last.read = read;
    last.written = written;
    this.samples.set(conn, last);
  }

  /** Final sample of a closed connection. */
  connectionClosed(conn: Connection): void {
    this.sampleBytes(conn);
    this.samples.delete(conn);
  }

  channelOpened(conn: ChannelConnection): void {
    this.channelOpen.inc({ channel: conn.channel });
    this.channelConnectionsTotal.inc({ channel: conn.channel });
    this.channelSamples.set(conn, { read: 0, written: 0 });
  }

  channelClosed(conn: ChannelConnection): void {
    this.channelOpen.dec({ channel: conn.channel });
    this.sampleChannelBytes(conn);
    this.channelSamples.delete(conn);
  }

  private sampleChannelBytes(conn: ChannelConnection): void {
    const last = this.channelSamples.get(conn);
    if (!last) return;
    const read = conn.bytesRead;
    const written = conn.bytesWritten;
    if (read > last.read) this.channelBytesIn.inc({ channel: conn.channel }, read - last.read);
    if (written > last.written) this.channelBytesOut.inc({ channel: conn.channel }, written - last.written);
    last.read = read;
    last.written = written;
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  onModuleDestroy(): void {
    this.samples.clear();
    this.channelSamples.clear();
    this.registry.clear();
  }
}

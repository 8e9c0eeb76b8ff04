/**
 * The EventBus over a Redis Stream, for several Switchboard processes behind one address.
 *
 * Every node appends what it publishes to one stream (`<REDIS_KEY_PREFIX>bus`) and reads the
 * whole stream from its own position (XREAD, one blocking reader per node), delivering each
 * message to the matching connections IT holds. Unlike pub/sub this survives a Redis outage:
 * - a publisher delivers to its own connections at once and keeps what Redis has not taken yet
 *   in a bounded local buffer (BUS_BUFFER_MAX entries, BUS_RETENTION_MS old), flushed in order
 *   when Redis is back;
 * - a reader resumes from the last entry it read, so nothing written meanwhile is skipped;
 * - the stream is trimmed by length (BUS_STREAM_MAX_LEN) and age (BUS_RETENTION_MS).
 * So an outage shorter than BUS_RETENTION_MS delays cross-node pushes but loses none. Beyond it
 * (buffer overflow, a reader cut off longer than the retention, Redis restarted empty with
 * unread entries), per-origin sequence numbers and periodic marks reveal the gap, and every
 * local logged-in connection gets `control/resync`: catch up through history sync. Never a
 * silent gap. Retried XADDs never deliver twice (same sequence numbers).
 */
import { Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { closeRedis, createRedisClient } from '../infra/redis-client';
import { ControlCommands } from '../shared/protocol';
import { BusSequence, OriginEntry } from './bus-sequence';
import { BusListener, BusMessage, EventBus } from './event-bus';

/** One stream entry (field `d`): a message, or a mark carrying the origin's latest number. */
interface WireEntry extends OriginEntry {
  m?: BusMessage;
}

interface Pending {
  at: number;
  text: string;
}

export interface RedisEventBusOptions {
  url: string;
  keyPrefix: string;
  /** How long start-up waits for Redis before failing. */
  connectTimeoutMs?: number;
  /** Outage bound: buffered and stream entries older than this are dropped (default 60 s). */
  retentionMs?: number;
  /** Entries kept in the stream, approximately (default 100,000). */
  streamMaxLen?: number;
  /** Entries a node buffers while Redis is unreachable (default 100,000). */
  bufferMax?: number;
  /** How often a node writes a mark (default 1 s): bounds how late a lost tail is noticed. */
  markIntervalMs?: number;
}

const READ_BLOCK_MS = 2000;
const READ_COUNT = 1000;
const WRITE_BATCH = 500;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2000;
/** At most one control/resync per connection within this window. */
const RESYNC_COALESCE_MS = 1000;

export class RedisEventBus extends EventBus implements OnApplicationShutdown {
  readonly nodeId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  /** The stream key (kept as `channel`: one name per deployment prefix). */
  readonly channel: string;
  /** 'subscribed' whenever the reader connection is (re)established; 'gap' when pushes were lost. */
  readonly events = new EventEmitter<{ subscribed: []; reconnecting: []; gap: [origin: string, missed: number] }>();
  private readonly logger = new Logger('RedisEventBus');
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly listeners: BusListener[] = [];
  private readonly startedAt = Date.now();
  private readonly sequence: BusSequence;
  private readonly retentionMs: number;
  private readonly streamMaxLen: number;
  private readonly bufferMax: number;
  private readonly markIntervalMs: number;
  private seq = 0;
  /** Published, not yet taken by Redis, in order. */
  private buffer: Pending[] = [];
  private flushing = false;
  private retryTimer?: NodeJS.Timeout;
  private markTimer?: NodeJS.Timeout;
  private lastId = '0-0';
  private reading?: Promise<void>;
  private subscribed = false;
  private closed = false;
  private lastResyncAt = 0;
  /** Since when the reader has been reading without error (undefined: not reading). */
  private readingSince?: number;
  received = 0;
  published = 0;
  /** Buffered entries dropped because the outage outlasted the bound. */
  droppedWhileDown = 0;
  /** Pushes other nodes sent that never reached this one (resync sent). */
  missed = 0;

  constructor(private readonly options: RedisEventBusOptions) {
    super();
    this.channel = `${options.keyPrefix}bus`;
    this.retentionMs = options.retentionMs ?? 60_000;
    this.streamMaxLen = options.streamMaxLen ?? 100_000;
    this.bufferMax = options.bufferMax ?? 100_000;
    this.markIntervalMs = options.markIntervalMs ?? 1000;
    this.sequence = new BusSequence(this.startedAt);
    const warn = (name: string) => (err: Error) => this.logger.warn(`redis ${name}: ${err.message}`);
    const common = { lazyConnect: true, maxRetriesPerRequest: 1 };
    this.pub = createRedisClient(options.url, { ...common, name: `bus-pub-${this.nodeId}`, onError: warn('publisher') });
    // The reader blocks in XREAD, so it needs a connection of its own.
    this.sub = createRedisClient(options.url, { ...common, name: `bus-sub-${this.nodeId}`, onError: warn('reader') });
    this.sub.on('ready', () => {
      this.subscribed = true;
      this.events.emit('subscribed');
    });
    this.sub.on('reconnecting', () => {
      this.subscribed = false;
      this.events.emit('reconnecting');
    });
    this.pub.on('ready', () => this.scheduleFlush(0));
  }

  /** Connects both clients, finds the stream's end and starts reading from there. */
  async connect(): Promise<this> {
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis event bus: no connection to ${redactUrl(this.options.url)} within ${timeoutMs} ms (check REDIS_URL)`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([Promise.all([this.pub.connect(), this.sub.connect()]), timeout]);
      const last = (await Promise.race([this.pub.xrevrange(this.channel, '+', '-', 'COUNT', 1), timeout])) as [string, string[]][];
      this.lastId = last[0]?.[0] ?? '0-0';
    } catch (err) {
      await this.close();
      const reason = (err as Error).message;
      throw new Error(
        reason.startsWith('Redis event bus:') ? reason : `Redis event bus: cannot connect to ${redactUrl(this.options.url)} (check REDIS_URL): ${reason}`,
      );
    } finally {
      clearTimeout(timer);
    }
    this.reading = this.readLoop();
    this.markTimer = setInterval(() => this.mark(), this.markIntervalMs);
    this.markTimer.unref();
    return this;
  }

  get isSubscribed(): boolean {
    return this.subscribed;
  }

  /** Entries waiting for Redis (tests, metrics). */
  get buffered(): number {
    return this.buffer.length;
  }

  /**
   * Delivers to this node's connections at once and queues the entry for the stream. Never
   * rejects because Redis is down: the buffer (bounded) keeps it until Redis is back.
   */
  async publish(message: BusMessage): Promise<void> {
    const entry: WireEntry = { n: this.nodeId, s: ++this.seq, b: this.startedAt, m: message };
    this.published++;
    this.deliver(message);
    this.enqueue(JSON.stringify(entry));
  }

  subscribe(listener: BusListener): void {
    this.listeners.push(listener);
  }

  /** The underlying clients (health checks, tests). */
  unwrap(): { publisher: Redis; subscriber: Redis } {
    return { publisher: this.pub, subscriber: this.sub };
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.subscribed = false;
    clearTimeout(this.retryTimer);
    clearInterval(this.markTimer);
    // A last flush with a goodbye mark, so a clean shutdown hands its tail to the other nodes
    // and they do not take its silence for a crash.
    if (this.pub.status === 'ready') {
      this.buffer.push({ at: Date.now(), text: JSON.stringify({ n: this.nodeId, s: this.seq, b: this.startedAt, e: 1 } satisfies WireEntry) });
      this.flushing = false;
      await this.flush().catch(() => undefined);
    }
    this.sub.disconnect();
    await Promise.all([closeRedis(this.pub), this.reading?.catch(() => undefined)]);
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  // ---- writing ---------------------------------------------------------------------------------

  private enqueue(text: string): void {
    this.buffer.push({ at: Date.now(), text });
    this.scheduleFlush(0);
  }

  private scheduleFlush(delayMs: number): void {
    if (this.closed || this.flushing || this.retryTimer) return;
    if (delayMs === 0) {
      queueMicrotask(() => void this.flush().catch(() => undefined));
      return;
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.flush().catch(() => undefined);
    }, delayMs);
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    let failures = 0;
    try {
      while (this.buffer.length > 0 && !this.closedForWrites()) {
        this.dropExpired();
        const batch = this.buffer.slice(0, WRITE_BATCH);
        if (batch.length === 0) break;
        const pipeline = this.pub.pipeline();
        for (const p of batch) pipeline.xadd(this.channel, 'MAXLEN', '~', this.streamMaxLen, '*', 'd', p.text);
        const results = (await pipeline.exec()) ?? [];
        // Entries are taken in order: keep everything from the first failure on.
        const ok = results.findIndex(([err]) => err !== null);
        const written = ok === -1 ? batch.length : ok;
        this.buffer.splice(0, written);
        if (written < batch.length) throw results[written][0];
        failures = 0;
      }
    } catch (err) {
      failures++;
      if (this.buffer.length > 0) this.logger.warn(`stream write failed, ${this.buffer.length} push(es) buffered: ${(err as Error).message}`);
      this.flushing = false;
      this.scheduleFlush(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** failures));
      return;
    }
    this.flushing = false;
  }

  private closedForWrites(): boolean {
    return this.pub.status === 'end';
  }

  /** Beyond the bound: the oldest entries go, and the readers will see the gap. */
  private dropExpired(): void {
    const cutoff = Date.now() - this.retentionMs;
    let drop = 0;
    while (drop < this.buffer.length && (this.buffer[drop].at < cutoff || this.buffer.length - drop > this.bufferMax)) drop++;
    if (drop === 0) return;
    this.buffer.splice(0, drop);
    this.droppedWhileDown += drop;
    this.logger.error(`Redis unreachable longer than the bus bound: ${drop} cross-node push(es) dropped; other nodes will tell their clients to resync`);
  }

  /** A periodic mark: readers compare it with what they got from us. Only when nothing is queued. */
  private mark(): void {
    this.trimStream();
    this.checkVanished();
    if (this.buffer.length > 0) {
      this.dropExpired();
      return;
    }
    const entry: WireEntry = { n: this.nodeId, s: this.seq, b: this.startedAt };
    this.enqueue(JSON.stringify(entry));
  }

  private trimStream(): void {
    if (this.pub.status !== 'ready') return;
    const minId = `${Math.max(0, Date.now() - this.retentionMs)}-0`;
    this.pub.xtrim(this.channel, 'MINID', '~', minId).catch(() => undefined);
  }

  // ---- reading ---------------------------------------------------------------------------------

  private async readLoop(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      try {
        const res = (await this.sub.xread('COUNT', READ_COUNT, 'BLOCK', READ_BLOCK_MS, 'STREAMS', this.channel, this.lastId)) as [string, [string, string[]][]][] | null;
        failures = 0;
        this.readingSince ??= Date.now();
        for (const [, entries] of res ?? []) {
          for (const [id, fields] of entries) {
            this.lastId = id;
            this.onEntry(fields);
          }
        }
      } catch (err) {
        if (this.closed) return;
        this.readingSince = undefined;
        failures++;
        if (failures === 1) this.logger.warn(`stream read failed (resuming from ${this.lastId} when Redis is back): ${(err as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** failures)));
      }
    }
  }

  private onEntry(fields: string[]): void {
    const text = fields[1];
    let entry: WireEntry;
    try {
      entry = JSON.parse(text) as WireEntry;
    } catch {
      this.logger.warn(`ignoring a non-JSON entry on ${this.channel}`);
      return;
    }
    if (!entry || typeof entry.n !== 'string' || typeof entry.s !== 'number') return;
    // Our own entries were delivered locally when published.
    if (entry.n === this.nodeId) return;
    const isMark = entry.m === undefined;
    const verdict = this.sequence.accept(entry, isMark);
    if (verdict.missed > 0) this.onGap(entry.n, verdict.missed);
    if (!verdict.deliver || !entry.m || typeof entry.m !== 'object') return;
    this.received++;
    this.deliver(entry.m);
  }

  /**
   * Every live node writes a mark each markIntervalMs. One silent for 3 intervals while we were
   * reading fine died without a goodbye, possibly with pushes it had not written yet: resync.
   */
  private checkVanished(): void {
    const window = this.markIntervalMs * 3 + READ_BLOCK_MS;
    const now = Date.now();
    if (this.readingSince === undefined || now - this.readingSince < window) return;
    for (const origin of this.sequence.vanishedSince(now - window)) this.onGap(origin, 0);
  }

  private deliver(message: BusMessage): void {
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch (err) {
        this.logger.error(`bus listener failed: ${(err as Error).message}`);
      }
    }
  }

  /** Pushes were lost: every logged-in connection here is told to catch up (coalesced). */
  private onGap(origin: string, missed: number): void {
    this.missed += missed;
    this.events.emit('gap', origin, missed);
    this.logger.error(
      missed > 0
        ? `${missed} cross-node push(es) from ${origin} were lost (outage beyond BUS_RETENTION_MS?): sending control/resync`
        : `node ${origin} went silent without a goodbye (crashed?); pushes it had not written may be lost: sending control/resync`,
    );
    const now = Date.now();
    if (now - this.lastResyncAt < RESYNC_COALESCE_MS) return;
    this.lastResyncAt = now;
    this.deliver({
      kind: 'event',
      target: { all: true },
      command: ControlCommands.RESYNC.name,
      payload: { status: 200, reason: 'cluster_bus_gap', missed, hint: 'live pushes were lost: fetch message/history with your sync cursor and presence/list' },
      priority: 'high',
    });
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

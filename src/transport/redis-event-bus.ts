/**
 * The EventBus over Redis pub/sub, for several Switchboard processes behind one address.
 *
 * Every process publishes to one channel (`<REDIS_KEY_PREFIX>bus`) and subscribes to it; each
 * delivers every message to the matching connections IT holds. The publisher gets its own
 * messages back through the subscription like everyone else (no local short-cut), so delivery
 * order is the channel's order on every process. Messages carry the publishing node's id for
 * diagnostics only; no process ignores a message because of it.
 *
 * Pub/sub is at-most-once: while a subscriber is disconnected it misses messages. That is the
 * contract live pushes already have (a slow consumer drops them too); clients catch up through
 * offline delivery and the sync cursor. ioredis reconnects with backoff; on every (re)connect
 * we subscribe again ourselves and emit 'subscribed', so callers can tell when delivery resumed.
 */
import { closeRedis } from '../common/redis/close-redis';
import { Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { BusListener, BusMessage, EventBus } from './event-bus';

interface WireMessage {
  /** Publishing node, for logs and metrics. */
  n: string;
  m: BusMessage;
}

export interface RedisEventBusOptions {
  url: string;
  keyPrefix: string;
  /** How long start-up waits for the first subscription before failing. */
  connectTimeoutMs?: number;
}

export class RedisEventBus extends EventBus implements OnApplicationShutdown {
  readonly nodeId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  readonly channel: string;
  /** 'subscribed' after every successful (re)subscription; 'error' never throws out of here. */
  readonly events = new EventEmitter<{ subscribed: []; reconnecting: [] }>();
  private readonly logger = new Logger('RedisEventBus');
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly listeners: BusListener[] = [];
  private subscribed = false;
  private closed = false;
  received = 0;
  published = 0;

  constructor(private readonly options: RedisEventBusOptions) {
    super();
    this.channel = `${options.keyPrefix}bus`;
    const common = { lazyConnect: true };
    // A publish issued during a short reconnect waits in the offline queue; during a long outage
    // it fails after a few retries instead of hanging the service that awaits it.
    this.pub = new Redis(options.url, { ...common, maxRetriesPerRequest: 3, connectionName: `sb-bus-pub-${this.nodeId}` });
    // We resubscribe ourselves on 'ready' so we know when delivery is live again.
    this.sub = new Redis(options.url, {
      ...common,
      maxRetriesPerRequest: null,
      autoResubscribe: false,
      connectionName: `sb-bus-sub-${this.nodeId}`,
    });
    for (const [name, client] of [['publisher', this.pub], ['subscriber', this.sub]] as const) {
      client.on('error', (err: Error) => this.logger.warn(`redis ${name}: ${err.message}`));
    }
    this.sub.on('message', (channel: string, text: string) => this.onMessage(channel, text));
    this.sub.on('ready', () => void this.resubscribe());
    this.sub.on('reconnecting', () => {
      this.subscribed = false;
      this.events.emit('reconnecting');
    });
  }

  /** Connects both clients and resolves once the subscription is active. */
  async connect(): Promise<this> {
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    const subscribed = new Promise<void>((resolve) => this.events.once('subscribed', resolve));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis event bus: no subscription on ${redactUrl(this.options.url)} within ${timeoutMs} ms (check REDIS_URL)`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([Promise.all([this.pub.connect(), this.sub.connect(), subscribed]), timeout]);
    } catch (err) {
      await this.close();
      const reason = (err as Error).message;
      throw new Error(
        reason.startsWith('Redis event bus:') ? reason : `Redis event bus: cannot connect to ${redactUrl(this.options.url)} (check REDIS_URL): ${reason}`,
      );
    } finally {
      clearTimeout(timer);
    }
    return this;
  }

  get isSubscribed(): boolean {
    return this.subscribed;
  }

  async publish(message: BusMessage): Promise<void> {
    const wire: WireMessage = { n: this.nodeId, m: message };
    await this.pub.publish(this.channel, JSON.stringify(wire));
    this.published++;
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
    await Promise.all([closeRedis(this.pub), closeRedis(this.sub)]);
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  private async resubscribe(): Promise<void> {
    if (this.closed) return;
    try {
      await this.sub.subscribe(this.channel);
      this.subscribed = true;
      this.events.emit('subscribed');
    } catch (err) {
      this.logger.warn(`subscribe to ${this.channel} failed: ${(err as Error).message}`);
    }
  }

  private onMessage(channel: string, text: string): void {
    if (channel !== this.channel) return;
    let wire: WireMessage;
    try {
      wire = JSON.parse(text) as WireMessage;
    } catch {
      this.logger.warn(`ignoring a non-JSON message on ${channel}`);
      return;
    }
    if (!wire || typeof wire !== 'object' || !wire.m || typeof wire.m !== 'object') return;
    this.received++;
    for (const listener of this.listeners) {
      try {
        listener(wire.m);
      } catch (err) {
        this.logger.error(`bus listener failed: ${(err as Error).message}`);
      }
    }
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

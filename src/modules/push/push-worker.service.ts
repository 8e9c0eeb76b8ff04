/**
 * Delivers the outbox: every PUSH_WORKER_INTERVAL_MS each node claims due rows (one node per row:
 * conditional UPDATE, lease PUSH_CLAIM_MS), and for each sends ONE push covering everything the
 * row holds — unless, when it is due, the user is connected on some device (they had it live),
 * the device's session is gone (the token is removed), or it is their quiet hours.
 *
 * Failures: a dead token removes the device; 429 and 5xx and network errors retry with
 * exponential backoff (PUSH_RETRY_BASE_MS doubling to PUSH_RETRY_MAX_MS, a longer Retry-After
 * wins) up to PUSH_MAX_ATTEMPTS; other refusals give up. A provider outage delays pushes; the
 * message path never waits for any of this. Concurrency: PUSH_CONCURRENCY requests per provider.
 *
 * A node killed while sending leaves its rows claimed; after the lease another node sends them,
 * with the same notification id (webhook Idempotency-Key, apns-id) and collapse key, so a push
 * that did reach the provider replaces itself on the device instead of showing twice.
 */
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { securityConfig } from '../../config';
import type { ConfigOf } from '../../config/config.util';
import { SessionsService, UsersService } from '../auth';
import { UnreadTotals } from '../inbox';
import { MessageLookup } from '../message';
import { OnlineUsers } from '../presence';
import { PushConfig, pushConfig } from './push.config';
import { PushMetrics } from './push.metrics';
import { OutboxRow, PushOutboxRepository } from './push-outbox.repository';
import { PushProviders } from './push-providers';
import { inQuietHours } from './push-rules';
import { PushDevice, PushRepository } from './push.repository';
import type { PushNotification, PushResult } from './providers/push-provider';

const PREVIEW_CHARS = 120;
const PRUNE_EVERY_MS = 3600_000;
const IDLE_ROW_TTL_MS = 7 * 24 * 3600_000;
/** The outbox gauges (a COUNT over the due rows) are refreshed this often, not every round. */
const STATS_EVERY_MS = 5000;

@Injectable()
export class PushWorker implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('PushWorker');
  private timer?: NodeJS.Timeout;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastPrune = 0;
  private lastStats = 0;
  private readonly encrypted: boolean;

  constructor(
    @InjectConfig(pushConfig) private readonly config: PushConfig,
    @InjectConfig(securityConfig) security: ConfigOf<typeof securityConfig>,
    private readonly outbox: PushOutboxRepository,
    private readonly devices: PushRepository,
    private readonly providers: PushProviders,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly online: OnlineUsers,
    private readonly unread: UnreadTotals,
    private readonly lookup: MessageLookup,
    private readonly metrics: PushMetrics,
  ) {
    // Frames are encrypted end to end between client and server: no text leaves in a push.
    this.encrypted = security.encryption.mode !== 'none';
  }

  onModuleInit(): void {
    if (!this.providers.any) return;
    this.timer = setInterval(() => void this.tick(), this.config.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** One round (also called by tests and push:test to go at once). */
  tick(): Promise<void> {
    if (this.running || this.stopped) return this.running ?? Promise.resolve();
    this.running = this.round()
      .catch((err: Error) => this.logger.warn(`push round failed (retried next round): ${err.message}`))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async round(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = now;
      await this.outbox.prune(now - IDLE_ROW_TTL_MS);
    }
    const limit = this.config.concurrency * Math.max(1, this.providers.platforms.length) * 4;
    for (;;) {
      const { token, rows } = await this.outbox.claim(Date.now(), this.config.claimMs, limit);
      if (rows.length === 0) break;
      await this.deliver(token, rows);
      if (rows.length < limit || this.stopped) break;
    }
    if (Date.now() - this.lastStats >= STATS_EVERY_MS) {
      this.lastStats = Date.now();
      const stats = await this.outbox.stats(Date.now());
      this.metrics.outboxDue.set(stats.due);
      this.metrics.outboxAge.set(stats.oldestDueAt === null ? 0 : Math.max(0, (Date.now() - stats.oldestDueAt) / 1000));
    }
  }

  private async deliver(token: string, rows: OutboxRow[]): Promise<void> {
    const now = Date.now();
    const devices = new Map((await this.devices.byIds([...new Set(rows.map((r) => r.deviceId))])).map((d) => [d.id, d]));
    const live = await this.sessions.activeAmong([...new Set([...devices.values()].map((d) => d.sessionId))]);
    const ended = [...devices.values()].filter((d) => !live.has(d.sessionId));
    if (ended.length > 0) {
      await this.devices.remove(ended.map((d) => d.id));
      this.metrics.devicesRemoved.inc({ reason: 'session-ended' }, ended.length);
    }
    const users = [...new Set(rows.map((r) => r.userId))];
    const [online, settings] = await Promise.all([this.online.among(users), this.devices.settingsOf(users)]);
    const badges = new Map<string, Promise<number>>();
    const perPlatform = new Map<string, OutboxRow[]>();
    // Every row's outcome, written in ONE transaction at the end of the round.
    const outcomes: ((em: EntityManager) => Promise<unknown>)[] = [];
    for (const row of rows) {
      const device = devices.get(row.deviceId);
      if (!device || !live.has(device.sessionId)) continue; // removed with its rows
      const s = settings.get(row.userId);
      const skip = online.has(row.userId) ? 'online' : s && inQuietHours(now, { start: s.quietStart, end: s.quietEnd, timeZone: s.timeZone }) ? 'quiet-hours' : undefined;
      if (skip) {
        this.metrics.skipped.inc({ reason: skip });
        outcomes.push((em) => this.outbox.done(row, token, now, this.config.coalesceMs, false, em));
        continue;
      }
      perPlatform.set(device.platform, [...(perPlatform.get(device.platform) ?? []), row]);
    }
    await Promise.all(
      [...perPlatform].map(([platform, list]) =>
        runLimited(list, this.config.concurrency, async (row) => {
          const device = devices.get(row.deviceId)!;
          if (!badges.has(row.userId)) badges.set(row.userId, this.unread.of(row.userId));
          const n = await this.notification(row, await badges.get(row.userId)!);
          const outcome = await this.finish(platform, row, token, device, await this.send(platform, device, n));
          if (outcome) outcomes.push(outcome);
        }),
      ),
    );
    await this.outbox.applyAll(outcomes);
  }

  private async send(platform: string, device: PushDevice, n: PushNotification): Promise<PushResult> {
    const provider = this.providers.get(platform);
    if (!provider) return { ok: false, reason: 'not-configured', retryable: false, detail: `no ${platform} provider configured` };
    try {
      return await provider.send({ token: device.token, appId: device.appId, locale: device.locale }, n);
    } catch (err) {
      return { ok: false, reason: 'network', retryable: true, detail: (err as Error).message.slice(0, 150) };
    }
  }

  /** Metrics and device removal now; the row's outcome as a write for the round's transaction. */
  private async finish(platform: string, row: OutboxRow, token: string, device: PushDevice, result: PushResult): Promise<((em: EntityManager) => Promise<unknown>) | undefined> {
    const now = Date.now();
    if (result.ok) {
      this.metrics.sent.inc({ platform });
      return (em) => this.outbox.done(row, token, now, this.config.coalesceMs, true, em);
    }
    this.metrics.failed.inc({ platform, reason: result.reason });
    if (result.reason === 'dead-token') {
      this.metrics.devicesRemoved.inc({ reason: 'dead-token' });
      await this.devices.remove([device.id]);
      return undefined;
    }
    const attempt = row.attempts + 1;
    if (!result.retryable || attempt >= this.config.maxAttempts) {
      if (result.retryable) this.metrics.failed.inc({ platform, reason: 'gave-up' });
      this.logger.warn(`push to device ${device.id} (${platform}) given up after ${attempt} attempt(s): ${result.reason}: ${result.detail}`);
      return (em) => this.outbox.failed(row, token, null, result.detail, em);
    }
    const backoff = Math.min(this.config.retryMaxMs, this.config.retryBaseMs * 2 ** (attempt - 1));
    return (em) => this.outbox.failed(row, token, now + Math.max(backoff, result.retryAfterMs ?? 0), `${result.reason}: ${result.detail}`, em);
  }

  /** Display names, kept for a minute (a fan-out names one sender hundreds of times); bounded. */
  private readonly names = new Map<string, { name: string | undefined; at: number }>();

  private async senderName(userId: string): Promise<string | undefined> {
    const cached = this.names.get(userId);
    if (cached && Date.now() - cached.at < 60_000) return cached.name;
    const name = (await this.users.findById(userId))?.displayName ?? undefined;
    if (this.names.size >= 10_000) this.names.delete(this.names.keys().next().value!);
    this.names.set(userId, { name, at: Date.now() });
    return name;
  }

  /** What the push carries: enough to show it and to sync; the text only with PUSH_PREVIEW=full. */
  private async notification(row: OutboxRow, badge: number): Promise<PushNotification> {
    const preview = this.config.preview;
    let title = 'New message';
    let body = row.pending > 1 ? `${row.pending} new messages` : 'New message';
    let senderName: string | undefined;
    if (preview !== 'none') {
      senderName = await this.senderName(row.senderId);
      if (senderName) title = senderName;
      if (preview === 'full' && !this.encrypted && row.pending === 1) {
        const message = await this.lookup.findOrNull(row.userId, { messageId: row.messageId });
        // Only plain text: end-to-end encrypted or other content types never leave as text.
        const text = message && message.recalled_at === undefined ? (message.content as { text?: unknown }).text : undefined;
        if (typeof text === 'string' && text.trim() !== '') body = clip(text);
      }
    }
    return {
      id: notificationId(row),
      userId: row.userId,
      conversationId: row.conversationId,
      seq: row.queuedSeq,
      messageId: row.messageId,
      senderId: row.senderId,
      ...(senderName !== undefined ? { senderName } : {}),
      pending: row.pending,
      mention: row.mention === 1,
      badge,
      title,
      body,
      collapseKey: row.conversationId,
    };
  }
}

/** Stable per (row, newest seq): a retry or a takeover after a crash carries the same id. */
export function notificationId(row: Pick<OutboxRow, 'id' | 'queuedSeq'>): string {
  return createHash('sha256').update(`${row.id}#${row.queuedSeq}`).digest('hex').slice(0, 32);
}

function clip(text: string): string {
  const chars = Array.from(text.replace(/\s+/g, ' ').trim());
  return chars.length > PREVIEW_CHARS ? `${chars.slice(0, PREVIEW_CHARS - 1).join('')}…` : chars.join('');
}

async function runLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(lanes);
}

/**
 * Turns committed stream entries into outbox rows, off the send path.
 *
 * Live: the message module's CommittedEntries hook hands each committed message to `take`, which
 * only appends it to a bounded buffer; a timer flushes the buffer (one query finds which
 * recipients have a device at all — usually the end of the work — then preferences, mutes and
 * the outbox upserts in one transaction).
 *
 * Crash recovery, "no loss, no duplicate": every node keeps a watermark in push_cursors — a
 * message id below which every entry it committed has been flushed (the oldest unflushed
 * entry's time, or now, minus PUSH_RECOVERY_MARGIN_MS, longer than any write takes between
 * taking an id and committing). A node that stops beating (kill -9) is taken over by one
 * surviving node (a conditional delete decides which), which re-derives the entries after the
 * dead node's watermark from the stream (CommittedEntries.scan) and queues them again; the
 * outbox counts an entry only if its seq is above the row's queued_seq, so entries seen twice
 * are not pushed twice. A buffer overflow is recovered the same way, by this node itself.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { BROADCAST_CONVERSATION_ID } from '../../shared/protocol/messages/message.messages';
import { ConversationInboxRepository, ConversationRepository } from '../conversation';
import { CommittedEntries, CommittedEntry, MENTION_ALL, messageIdFloor } from '../message';
import { PushConfig, pushConfig } from './push.config';
import { PushMetrics } from './push.metrics';
import { PushOutboxRepository, QueuedPush } from './push-outbox.repository';
import { PushProviders } from './push-providers';
import { PushRepository } from './push.repository';
import { wantsPush } from './push-rules';

/** Entries held between flushes; beyond it they are dropped and re-derived by a scan. */
const BUFFER_MAX = 20_000;
const FLUSH_AT = 512;
const SCAN_PAGE = 500;
/** How often the watermark is written and other nodes' liveness looked at. */
const BEAT_MS = 2000;

@Injectable()
export class PushIntake implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('PushIntake');
  readonly nodeId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private buffer: CommittedEntry[] = [];
  private flushing: Promise<void> | undefined;
  private flushTimer?: NodeJS.Timeout;
  private beatTimer?: NodeJS.Timeout;
  /** The oldest entry (sentAt) dropped on overflow or lost to a failed flush: scan from there. */
  private rescanFrom: number | undefined;
  private stopped = false;

  constructor(
    @InjectConfig(pushConfig) private readonly config: PushConfig,
    private readonly committed: CommittedEntries,
    private readonly devices: PushRepository,
    private readonly outbox: PushOutboxRepository,
    private readonly conversations: ConversationRepository,
    private readonly inbox: ConversationInboxRepository,
    private readonly providers: PushProviders,
    private readonly metrics: PushMetrics,
  ) {}

  onModuleInit(): void {
    // No provider configured: push is off and the send path does not even queue.
    if (!this.providers.any) return;
    this.committed.subscribe((entry) => this.take(entry));
    this.flushTimer = setInterval(() => {
      if (!this.flushing) void this.flush();
    }, this.config.intervalMs);
    this.flushTimer.unref();
    this.beatTimer = setInterval(() => void this.beat(), BEAT_MS);
    this.beatTimer.unref();
    void this.beat();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.flushTimer);
    clearInterval(this.beatTimer);
    await this.flush().catch(() => undefined);
  }

  /** The hook: synchronous and cheap (runs in the writer's commit callback). */
  private take(entry: CommittedEntry): void {
    if (entry.kind !== 'message' || entry.recipients === undefined || entry.recipients.length < 2) return;
    if (this.buffer.length >= BUFFER_MAX) {
      this.rescanFrom = Math.min(this.rescanFrom ?? entry.sentAt, entry.sentAt);
      return;
    }
    this.buffer.push(entry);
    if (this.buffer.length === FLUSH_AT && !this.flushing) void this.flush();
  }

  /** Flushes what the hook buffered, including what arrives during a flush in progress (one at a time). */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    if (this.buffer.length === 0) return Promise.resolve();
    const batch = this.buffer;
    this.buffer = [];
    const run = this.process(batch)
      .then(() => undefined)
      .catch((err: Error) => {
        // Database outage: the entries come back from the stream once it is over.
        this.rescanFrom = Math.min(this.rescanFrom ?? batch[0].sentAt, ...batch.map((e) => e.sentAt));
        this.logger.warn(`push intake of ${batch.length} entries failed, will re-derive them from the stream: ${err.message}`);
      })
      .finally(() => (this.flushing = undefined));
    this.flushing = run;
    return run;
  }

  /** Queues the pushes `entries` call for; recipients read from the conversation when unknown. */
  async process(entries: CommittedEntry[], now = Date.now()): Promise<number> {
    const members = new Map<string, string[]>();
    for (const e of entries) {
      if (e.recipients || members.has(e.conversationId) || e.conversationId === BROADCAST_CONVERSATION_ID) continue;
      members.set(e.conversationId, (await this.conversations.listMembers(e.conversationId)).map((m) => m.userId));
    }
    const recipientsOf = (e: CommittedEntry) => (e.recipients ?? members.get(e.conversationId) ?? []).filter((u) => u !== e.senderId);
    const users = new Set<string>();
    for (const e of entries) for (const u of recipientsOf(e)) users.add(u);
    if (users.size === 0) return 0;
    const devices = await this.devices.devicesOf([...users]);
    if (devices.length === 0) return 0;
    const byUser = new Map<string, typeof devices>();
    for (const d of devices) byUser.set(d.userId, [...(byUser.get(d.userId) ?? []), d]);
    const settings = await this.devices.settingsOf([...byUser.keys()]);
    const muted = new Map<string, Set<string>>();
    // One outbox row per device and conversation: a flush's entries for it are queued together.
    const queued = new Map<string, QueuedPush>();
    const newest = new Map<string, number>();
    for (const e of entries) {
      const targets = recipientsOf(e).filter((u) => byUser.has(u));
      if (targets.length === 0) continue;
      if (!muted.has(e.conversationId)) muted.set(e.conversationId, await this.inbox.mutedAmong(e.conversationId, targets, now));
      const direct = e.conversationId.startsWith('d-');
      for (const userId of targets) {
        const mention = e.mentions.includes(userId) || (!direct && e.mentions.includes(MENTION_ALL));
        if (!wantsPush(settings.get(userId)?.level, { direct, mention, muted: muted.get(e.conversationId)!.has(userId) })) continue;
        for (const d of byUser.get(userId)!) {
          const key = `${d.id}|${e.conversationId}`;
          const q = queued.get(key);
          if (!q) {
            queued.set(key, { deviceId: d.id, userId, conversationId: e.conversationId, seqs: [e.seq], messageId: e.messageId, senderId: e.senderId, mention });
            newest.set(key, e.seq);
          } else {
            if (e.seq > newest.get(key)!) {
              Object.assign(q, { messageId: e.messageId, senderId: e.senderId });
              newest.set(key, e.seq);
            }
            q.seqs.push(e.seq);
            q.mention ||= mention;
          }
          this.metrics.queued.inc({ platform: d.platform });
        }
      }
    }
    return this.outbox.queue([...queued.values()], now + this.config.graceMs, this.config.coalesceMs);
  }

  /** Re-derives entries with ids in (afterId, upToId] from the stream. */
  async recover(afterId: string, upToId: string): Promise<number> {
    let cursor = afterId;
    let total = 0;
    for (;;) {
      const page = await this.committed.scan(cursor, upToId, SCAN_PAGE);
      if (page.length === 0) return total;
      const messages = page.filter((e) => e.kind === 'message' && e.conversationId !== BROADCAST_CONVERSATION_ID);
      this.metrics.recovered.inc(messages.length);
      total += await this.process(messages);
      cursor = page[page.length - 1].messageId;
      if (page.length < SCAN_PAGE) return total;
    }
  }

  /** Writes this node's watermark, recovers its own dropped entries and takes over dead nodes. */
  async beat(now = Date.now()): Promise<void> {
    if (this.stopped) return;
    try {
      const margin = this.config.recoveryMarginMs;
      const oldest = Math.min(now, ...this.buffer.slice(0, 1).map((e) => e.sentAt), this.rescanFrom ?? now);
      await this.outbox.beat(this.nodeId, messageIdFloor(oldest - margin), now);
      if (this.rescanFrom !== undefined) {
        const from = this.rescanFrom;
        this.rescanFrom = undefined;
        await this.flush();
        await this.recover(messageIdFloor(from - margin), messageIdFloor(now + 1));
      }
      // A node silent for a few beats and the margin is gone; its entries come back from the stream.
      for (const dead of await this.outbox.stale(now - Math.max(5 * BEAT_MS, this.config.claimMs), this.nodeId)) {
        if (!(await this.outbox.takeOver(dead))) continue;
        const n = await this.recover(dead.watermark, messageIdFloor(now + 1));
        this.logger.log(`push: took over node ${dead.nodeId} (silent since ${new Date(dead.beatAt).toISOString()}); ${n} pushes re-derived from the stream`);
      }
    } catch (err) {
      this.logger.warn(`push watermark/recovery failed (retried at the next beat): ${(err as Error).message}`);
    }
  }
}

/**
 * presence/typing: "X is typing" for the members of a conversation who are online — pushed
 * through the event bus (so it reaches their connections on every node), never stored.
 *
 * - A `start` is forwarded to the other members, then refreshed by the client about every half
 *   TTL; a refresh inside that half is absorbed (no event), so a fast typist costs the members
 *   one event per TTL/2, not one per keystroke.
 * - It ends by itself: without a `stop` or a refresh within PRESENCE_TYPING_TTL_MS, this node
 *   sends the `stop`; also when the connection closes or logs out. The state lives on the node
 *   holding the typing connection (a timer per connection and conversation), so nothing needs
 *   sharing across nodes and nothing survives a restart (a typing indicator should not).
 * - Rate limited per connection (PRESENCE_TYPING_RATE per 10 s → 429 RATE_LIMITED), which also
 *   bounds the timers a connection can hold.
 * - A stranger (or an unknown conversation) gets 403 NOT_A_MEMBER, as everywhere; in a direct
 *   conversation nothing crosses a block (the sender is answered as usual).
 */
import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { PresenceCommands, ProtocolError } from '../../shared/protocol';
import type { TypingEventDto, TypingRequest } from '../../shared/protocol/messages/presence.messages';
import type { Connection } from '../../transport/connection';
import type { BindInfo } from '../../transport/connection-registry';
import { ConnectionRegistry } from '../../transport/connection-registry';
import { EventPublisher } from '../../transport/event-publisher';
import { ContactGate } from '../contact';
import { ConversationRepository } from '../conversation';
import { PresenceConfig, presenceConfig } from './presence.config';

const RATE_WINDOW_MS = 10_000;

interface Typing {
  userId: string;
  conversationId: string;
  /** Who is told: the other members when the typing began. */
  audience: string[];
  forwardedAt: number;
  timer: NodeJS.Timeout;
}

export interface TypingAnswer {
  status: 200;
  conversation_id: string;
  state: 'start' | 'stop';
  expires_in_ms?: number;
}

@Injectable()
export class TypingService implements OnModuleInit, OnApplicationShutdown {
  /** Active typing per `${connectionId}\0${conversationId}`. */
  private readonly active = new Map<string, Typing>();
  /** Requests per connection in the current rate window. */
  private readonly rate = new Map<string, { windowStart: number; count: number }>();

  constructor(
    @InjectConfig(presenceConfig) private readonly config: PresenceConfig,
    private readonly conversations: ConversationRepository,
    private readonly contacts: ContactGate,
    private readonly publisher: EventPublisher,
    private readonly registry: ConnectionRegistry,
  ) {}

  private readonly onGone = (conn: Connection, previous?: BindInfo) => this.connectionGone(conn.id, previous?.userId);

  onModuleInit(): void {
    this.registry.on('unbound', this.onGone);
    this.registry.on('closed', this.onGone);
  }

  onApplicationShutdown(): void {
    this.registry.off('unbound', this.onGone);
    this.registry.off('closed', this.onGone);
    for (const t of this.active.values()) clearTimeout(t.timer);
    this.active.clear();
    this.rate.clear();
  }

  /** Active typing entries on this node (metrics, tests). */
  get size(): number {
    return this.active.size;
  }

  async typing(userId: string, connectionId: string, dto: TypingRequest, now = Date.now()): Promise<TypingAnswer> {
    this.limit(connectionId, now);
    const key = `${connectionId}\u0000${dto.conversation_id}`;
    const current = this.active.get(key);
    if (dto.state === 'stop') {
      if (current) this.end(key, current);
      else if (!(await this.conversations.findMembership(dto.conversation_id, userId))) throw notAMember(dto.conversation_id);
      return { status: 200, conversation_id: dto.conversation_id, state: 'stop' };
    }
    const ttl = this.config.typingTtlMs;
    if (current) {
      current.timer.refresh();
      if (now - current.forwardedAt >= ttl / 2) {
        current.forwardedAt = now;
        this.forward(current, 'start');
      }
      return { status: 200, conversation_id: dto.conversation_id, state: 'start', expires_in_ms: ttl };
    }
    const audience = await this.audience(userId, dto.conversation_id);
    // The await let another start of this connection in: keep the first, refresh it.
    const raced = this.active.get(key);
    if (raced) {
      raced.timer.refresh();
      return { status: 200, conversation_id: dto.conversation_id, state: 'start', expires_in_ms: ttl };
    }
    const timer = setTimeout(() => {
      const entry = this.active.get(key);
      if (entry) this.end(key, entry);
    }, ttl);
    timer.unref();
    const entry: Typing = { userId, conversationId: dto.conversation_id, audience, forwardedAt: now, timer };
    this.active.set(key, entry);
    this.forward(entry, 'start');
    return { status: 200, conversation_id: dto.conversation_id, state: 'start', expires_in_ms: ttl };
  }

  private async audience(userId: string, conversationId: string): Promise<string[]> {
    const members = await this.conversations.listMembers(conversationId);
    const me = members.find((m) => m.userId === userId);
    if (!me) throw notAMember(conversationId);
    const others = members.filter((m) => m.userId !== userId).map((m) => m.userId);
    const conversation = others.length === 1 ? await this.conversations.find(conversationId) : null;
    if (conversation?.kind === 'direct') {
      const blocked = this.contacts.blockedBetween(userId, others[0]);
      if (blocked === true || (blocked !== false && (await blocked))) return [];
    }
    return others;
  }

  private limit(connectionId: string, now: number): void {
    let slot = this.rate.get(connectionId);
    if (!slot || now - slot.windowStart >= RATE_WINDOW_MS) this.rate.set(connectionId, (slot = { windowStart: now, count: 0 }));
    if (++slot.count > this.config.typingRatePer10s) {
      const wait = slot.windowStart + RATE_WINDOW_MS - now;
      throw new ProtocolError('RATE_LIMITED', `at most ${this.config.typingRatePer10s} presence/typing per 10 s on one connection; retry in ${Math.ceil(wait / 1000)} s`, 429, { retry_after_ms: wait });
    }
  }

  private end(key: string, entry: Typing): void {
    clearTimeout(entry.timer);
    this.active.delete(key);
    this.forward(entry, 'stop');
  }

  private forward(entry: Typing, state: 'start' | 'stop'): void {
    if (entry.audience.length === 0) return;
    const event: TypingEventDto = { conversation_id: entry.conversationId, user_id: entry.userId, state, ...(state === 'start' ? { expires_in_ms: this.config.typingTtlMs } : {}) };
    // Droppable like presence: a lagging connection sheds typing before messages.
    void this.publisher.toUsers(entry.audience, PresenceCommands.TYPING.name, event as unknown as Record<string, unknown>, { droppable: true }).catch(() => undefined);
  }

  private connectionGone(connectionId: string, _userId: string | undefined): void {
    this.rate.delete(connectionId);
    const prefix = `${connectionId}\u0000`;
    for (const [key, entry] of this.active) if (key.startsWith(prefix)) this.end(key, entry);
  }
}

function notAMember(conversationId: string): ProtocolError {
  return new ProtocolError('NOT_A_MEMBER', `you are not a member of conversation ${conversationId} (or it does not exist)`);
}

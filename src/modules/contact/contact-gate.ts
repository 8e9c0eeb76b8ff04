/**
 * The per-message checks of the contacts rules, kept off the hot path:
 * - DIRECT_MESSAGE_POLICY=anyone and no block anywhere on the server → `checkDirect` returns
 *   undefined at once: no I/O, no allocation per message.
 * - otherwise two caches, both per sender: the blocks involving the sender (who blocked them,
 *   whom they blocked: the blocker cannot write to the user they blocked either), and (policy
 *   `contacts`) their accepted contacts. A cached sender is decided synchronously; a miss loads once.
 *
 * What a refused sender is told (docs/protocol.md "Blocking"): to a blocked user the blocker is
 * absent, answered exactly like a user id nobody has (404 USER_NOT_FOUND); a blocker writing to
 * the user they blocked is told so (they know); the contacts-only policy is the generic 403 REFUSED.
 *
 * Invalidation: every contact or block change drops both users' entries here, synchronously,
 * before the change is answered, and is announced on the event bus (an event with an empty
 * target: no connection receives it, every process's subscription sees it), so the other
 * processes drop theirs within the bus latency. A load that raced an invalidation is not cached.
 */
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { ContactConfig, contactConfig } from './contact.config';
import { ProtocolError } from '../../shared/protocol';
import { EventBus } from '../../transport/event-bus';
import { ContactRepository } from './contact.repository';

/** Bus command of the invalidation (never delivered to a connection). */
export const CONTACT_CACHE_SIGNAL = 'internal/contact-cache';
const CACHE_MAX_USERS = 20_000;

/** The one refusal for "the other user does not accept this from you" (the contacts-only policy). */
export function refused(what: string): ProtocolError {
  return new ProtocolError('REFUSED', `${what} is not possible: this user does not accept it from you`, 403);
}

/**
 * A direct message to someone who blocked the sender: word for word what message/send answers
 * for a user id nobody has (MessageService.assertUserExists), so the two cannot be told apart.
 */
export function absentRecipient(userId: string): ProtocolError {
  return new ProtocolError('USER_NOT_FOUND', `user ${userId} does not exist`);
}

interface Blocks {
  /** Users who blocked this user. */
  blockers: Set<string>;
  /** Users this user blocked. */
  blocked: Set<string>;
}

@Injectable()
export class ContactGate implements OnModuleInit {
  private readonly logger = new Logger('ContactGate');
  /** undefined = not known yet (treated as "there may be blocks"). */
  private anyBlocks: boolean | undefined;
  private readonly blocksOf = new Map<string, Blocks>();
  private readonly contactsOf = new Map<string, Set<string>>();
  /** Bumped by every invalidation; a load started under an older epoch is not cached. */
  private epoch = 0;

  constructor(
    private readonly repository: ContactRepository,
    private readonly bus: EventBus,
    @InjectConfig(contactConfig) private readonly config: ContactConfig,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe((message) => {
      if (message.kind === 'event' && message.command === CONTACT_CACHE_SIGNAL) {
        const p = message.payload as { users?: unknown; blocked?: unknown };
        this.forget(Array.isArray(p.users) ? p.users.filter((u): u is string => typeof u === 'string') : [], p.blocked === true);
      }
    });
  }

  /**
   * May `senderId` send a direct message to `recipientId`? undefined: yes (decided without I/O).
   * Otherwise a promise that resolves (yes) or rejects with the refusal.
   */
  checkDirect(senderId: string, recipientId: string): Promise<void> | undefined {
    const needContacts = this.config.directMessagePolicy === 'contacts';
    if (!needContacts && this.anyBlocks === false) return undefined;
    // Learnt on first use rather than at start (the tables may not be migrated yet then).
    if (this.anyBlocks === undefined) this.learnAnyBlocks();
    const blocks = this.blocksOf.get(senderId);
    const contacts = needContacts ? this.contactsOf.get(senderId) : undefined;
    if (blocks && (!needContacts || contacts)) {
      const refusal = this.decide(blocks, contacts, recipientId);
      return refusal ? Promise.reject(refusal) : undefined;
    }
    return Promise.all([blocks ?? this.loadBlocks(senderId), needContacts ? (contacts ?? this.loadContacts(senderId)) : undefined]).then(([b, c]) => {
      const refusal = this.decide(b, c, recipientId);
      if (refusal) throw refusal;
    });
  }

  /**
   * Is there a block between `a` and `b`, either way? false without I/O while no block exists on
   * the server. For what flows between two users outside a message (receipts in their direct
   * conversation): nothing crosses a block.
   */
  blockedBetween(a: string, b: string): boolean | Promise<boolean> {
    if (this.anyBlocks === false) return false;
    if (this.anyBlocks === undefined) this.learnAnyBlocks();
    const cached = this.blocksOf.get(a);
    const between = (blocks: Blocks) => blocks.blockers.has(b) || blocks.blocked.has(b);
    return cached ? between(cached) : this.loadBlocks(a).then(between);
  }

  /**
   * Which of `ids` blocked `userId`: to them those users are absent (group/create and group/add
   * answer as for unknown ids). No I/O while no block exists on the server.
   */
  async blockersAmong(userId: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0 || this.anyBlocks === false) return new Set();
    if (this.anyBlocks === undefined) this.learnAnyBlocks();
    const blocks = this.blocksOf.get(userId) ?? (await this.loadBlocks(userId));
    return new Set(ids.filter((id) => blocks.blockers.has(id)));
  }

  /** Drops cached state of `users` here and on every other process. Call after the change committed. */
  async changed(users: string[], blocked = false): Promise<void> {
    this.forget(users, blocked);
    try {
      await this.bus.publish({ kind: 'event', target: { connections: [] }, command: CONTACT_CACHE_SIGNAL, payload: { users, blocked } });
    } catch (err) {
      this.logger.warn(`contact change of ${users.join(', ')} not announced to other processes: ${(err as Error).message}`);
    }
  }

  private learning = false;

  private learnAnyBlocks(): void {
    if (this.learning) return;
    this.learning = true;
    const epoch = this.epoch;
    void this.repository
      .anyBlocks()
      .then((any) => {
        if (this.epoch === epoch && this.anyBlocks === undefined) this.anyBlocks = any;
      })
      .catch((err: Error) => this.logger.warn(`could not tell whether any block exists (messages are checked one by one): ${err.message}`))
      .finally(() => (this.learning = false));
  }

  private decide(blocks: Blocks, contacts: Set<string> | undefined, recipientId: string): ProtocolError | undefined {
    // Mine first: a blocker is told about their own block, whatever the other did.
    if (blocks.blocked.has(recipientId)) return new ProtocolError('REFUSED', `you blocked user ${recipientId}; contact/unblock them first to write to them`, 403);
    if (blocks.blockers.has(recipientId)) return absentRecipient(recipientId);
    if (contacts !== undefined && !contacts.has(recipientId)) return refused('a direct message');
    return undefined;
  }

  private forget(users: string[], blocked: boolean): void {
    this.epoch++;
    if (blocked) this.anyBlocks = true;
    for (const u of users) {
      this.blocksOf.delete(u);
      this.contactsOf.delete(u);
    }
  }

  private async loadBlocks(userId: string): Promise<Blocks> {
    const epoch = this.epoch;
    const rows = await this.repository.blocksOf(userId);
    const blocks = { blockers: new Set(rows.blockers), blocked: new Set(rows.blocked) };
    if (this.epoch === epoch) remember(this.blocksOf, userId, blocks);
    return blocks;
  }

  private async loadContacts(userId: string): Promise<Set<string>> {
    const epoch = this.epoch;
    const contacts = new Set(await this.repository.acceptedPeers(userId));
    if (this.epoch === epoch) remember(this.contactsOf, userId, contacts);
    return contacts;
  }
}

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  cache.delete(key);
  cache.set(key, value);
  // Oldest first (insertion order): drop a batch so this does not run on every insert.
  if (cache.size > CACHE_MAX_USERS) {
    let drop = Math.ceil(CACHE_MAX_USERS / 10);
    for (const k of cache.keys()) {
      if (drop-- <= 0) break;
      cache.delete(k);
    }
  }
}

/**
 * The per-message checks of the contacts rules, kept off the hot path:
 * - DIRECT_MESSAGE_POLICY=anyone and no block anywhere on the server → `checkDirect` returns
 *   undefined at once: no I/O, no allocation per message.
 * - otherwise two caches, both per sender: users with a block between them and the sender
 *   (either way: the blocker cannot write to the user they blocked either), and (policy
 *   `contacts`) their accepted contacts. A cached sender is decided synchronously; a miss loads once.
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

/** The one refusal for "the other user does not accept this from you": block and policy look alike. */
export function refused(what: string): ProtocolError {
  return new ProtocolError('REFUSED', `${what} is not possible: this user does not accept it from you`, 403);
}

@Injectable()
export class ContactGate implements OnModuleInit {
  private readonly logger = new Logger('ContactGate');
  /** undefined = not known yet (treated as "there may be blocks"). */
  private anyBlocks: boolean | undefined;
  private readonly blockedWith = new Map<string, Set<string>>();
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
   * Otherwise a promise that resolves (yes) or rejects with the generic REFUSED.
   */
  checkDirect(senderId: string, recipientId: string): Promise<void> | undefined {
    const needContacts = this.config.directMessagePolicy === 'contacts';
    if (!needContacts && this.anyBlocks === false) return undefined;
    // Learnt on first use rather than at start (the tables may not be migrated yet then).
    if (this.anyBlocks === undefined) this.learnAnyBlocks();
    const blocked = this.blockedWith.get(senderId);
    const contacts = needContacts ? this.contactsOf.get(senderId) : undefined;
    if (blocked && (!needContacts || contacts)) {
      return this.decide(blocked, contacts, recipientId) ? undefined : Promise.reject(refused('a direct message'));
    }
    return this.load(senderId, needContacts).then(({ blockers: b, contacts: c }) => {
      if (!this.decide(b, c, recipientId)) throw refused('a direct message');
    });
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

  private decide(blockers: Set<string>, contacts: Set<string> | undefined, recipientId: string): boolean {
    if (blockers.has(recipientId)) return false;
    return contacts === undefined || contacts.has(recipientId);
  }

  private forget(users: string[], blocked: boolean): void {
    this.epoch++;
    if (blocked) this.anyBlocks = true;
    for (const u of users) {
      this.blockedWith.delete(u);
      this.contactsOf.delete(u);
    }
  }

  private async load(userId: string, withContacts: boolean): Promise<{ blockers: Set<string>; contacts?: Set<string> }> {
    const epoch = this.epoch;
    const [blockers, contacts] = await Promise.all([
      this.repository.blockPeersOf(userId).then((ids) => new Set(ids)),
      withContacts ? this.repository.acceptedPeers(userId).then((ids) => new Set(ids)) : Promise.resolve(undefined),
    ]);
    if (this.epoch === epoch) {
      remember(this.blockedWith, userId, blockers);
      if (contacts) remember(this.contactsOf, userId, contacts);
    }
    return { blockers, contacts };
  }
}

function remember(cache: Map<string, Set<string>>, key: string, value: Set<string>): void {
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

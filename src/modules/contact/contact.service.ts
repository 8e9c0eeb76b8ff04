/**
 * Contacts: requests, answers, removal, blocks. Rules (docs/protocol.md "Contacts"):
 * - A request to someone who already asked me accepts theirs (both wanted it). Repeating a
 *   request or an answer is harmless (idempotent 200).
 * - The other side learns every step through a durable notification (contact.request,
 *   contact.accepted, contact.declined, contact.removed, contact.request_cancelled).
 * - A block removes the relation as a plain remove/cancel would look to the blocked user, who is
 *   never told about the block: their own pending request simply stays unanswered, and to them
 *   the blocker is absent: every command naming the blocker answers exactly as for a user nobody
 *   has (404 USER_NOT_FOUND), unless they hold something of their own about them (that pending
 *   request, a block of their own), which they keep seeing in contact/list and may act on.
 */
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { decodeOpaqueCursor, encodeOpaqueCursor, invalidCursor, isCursorId } from '../../common/cursor/opaque-cursor';
import { InjectConfig } from '../../config/config.util';
import { ContactConfig, contactConfig } from './contact.config';
import { ProtocolError, validationError } from '../../shared/protocol';
import {
  CONTACT_LIST_DEFAULT_LIMIT,
  ContactChangeResponse,
  ContactListRequest,
  ContactListResponse,
  ContactNotifications,
  ContactRefRequest,
} from '../../shared/protocol/messages/contact.messages';
import type { ContactRelation } from '../../shared/protocol/messages/user.messages';
import { UsersService, UserView } from '../auth';
import { NotificationService } from '../notification';
import { ContactGate } from './contact-gate';
import { ContactRepository, PairTx } from './contact.repository';
import { userCard } from './user-card';

type Notice = (typeof ContactNotifications)[keyof typeof ContactNotifications];

/** What a pair transaction decided: the requester's relation afterwards and whom to tell what. */
interface Decision {
  relation: ContactRelation;
  notice?: Notice;
  note?: string | null;
  /** The relation changed (caches must forget it). */
  changed: boolean;
}

const UNCHANGED = (relation: ContactRelation): Decision => ({ relation, changed: false });
const CONTACT_NOTICES: string[] = Object.values(ContactNotifications);

@Injectable()
export class ContactService implements OnModuleInit {
  private readonly logger = new Logger('Contacts');

  constructor(
    private readonly repository: ContactRepository,
    private readonly users: UsersService,
    private readonly notifications: NotificationService,
    private readonly gate: ContactGate,
    @InjectConfig(contactConfig) private readonly config: ContactConfig,
  ) {}

  onModuleInit(): void {
    // A pending request waits for an answer: other notices are dropped before it.
    this.notifications.evictLast(ContactNotifications.REQUEST);
  }

  async request(me: string, ref: ContactRefRequest, note: string | undefined): Promise<ContactChangeResponse> {
    const peer = await this.resolve(me, ref);
    const text = note?.trim() || null;
    return this.apply(me, peer, async (tx) => {
      const s = await tx.read();
      if (s.iBlocked) throw new ProtocolError('CONFLICT', `you blocked ${peer.username}; contact/unblock first`, 409);
      if (s.mine?.state === 'accepted') return UNCHANGED('accepted');
      if (s.mine?.state === 'outgoing') return UNCHANGED('outgoing');
      // Blocked between resolve() and this transaction: absent, as resolve() would have said.
      if (s.theyBlocked) throw noSuchUser(ref);
      const now = Date.now();
      if (s.mine?.state === 'incoming') {
        await tx.put(me, peer.id, 'accepted', null, now);
        await tx.put(peer.id, me, 'accepted', null, now);
        return { relation: 'accepted', notice: ContactNotifications.ACCEPTED, changed: true };
      }
      const pending = await tx.countOutgoing();
      if (pending >= this.config.pendingMax) {
        throw new ProtocolError('CONFLICT', `you have ${pending} unanswered contact requests (at most ${this.config.pendingMax}); cancel some with contact/remove first`, 409);
      }
      await tx.put(me, peer.id, 'outgoing', text, now);
      await tx.put(peer.id, me, 'incoming', text, now);
      return { relation: 'outgoing', notice: ContactNotifications.REQUEST, note: text, changed: true };
    });
  }

  async accept(me: string, ref: ContactRefRequest): Promise<ContactChangeResponse> {
    const peer = await this.resolve(me, ref);
    return this.apply(me, peer, async (tx) => {
      const s = await tx.read();
      if (s.mine?.state === 'accepted') return UNCHANGED('accepted');
      if (s.mine?.state !== 'incoming') throw noRequestFrom(peer);
      const now = Date.now();
      await tx.put(me, peer.id, 'accepted', null, now);
      await tx.put(peer.id, me, 'accepted', null, now);
      return { relation: 'accepted', notice: ContactNotifications.ACCEPTED, changed: true };
    });
  }

  async decline(me: string, ref: ContactRefRequest): Promise<ContactChangeResponse> {
    const peer = await this.resolve(me, ref);
    return this.apply(me, peer, async (tx) => {
      const s = await tx.read();
      if (s.mine?.state !== 'incoming') throw noRequestFrom(peer);
      await tx.drop(me, peer.id);
      await tx.drop(peer.id, me);
      return { relation: 'none', notice: ContactNotifications.DECLINED, changed: true };
    });
  }

  /** Removes a contact, cancels my request, or declines theirs. */
  async remove(me: string, ref: ContactRefRequest): Promise<ContactChangeResponse> {
    const peer = await this.resolve(me, ref);
    return this.apply(me, peer, async (tx) => {
      const s = await tx.read();
      if (!s.mine) throw new ProtocolError('NOT_FOUND', `${peer.username} is not in your contacts and has no pending request with you`, 404);
      await tx.drop(me, peer.id);
      // A request to someone who blocked me has no other side any more: nothing to tell.
      if (!s.theirs) return { relation: 'none', changed: true };
      await tx.drop(peer.id, me);
      const notice = { accepted: ContactNotifications.REMOVED, outgoing: ContactNotifications.REQUEST_CANCELLED, incoming: ContactNotifications.DECLINED }[s.mine.state];
      return { relation: 'none', notice, changed: true };
    });
  }

  async block(me: string, ref: ContactRefRequest): Promise<ContactChangeResponse> {
    const peer = await this.resolve(me, ref);
    const result = await this.apply(me, peer, async (tx) => {
      const s = await tx.read();
      await tx.block(Date.now());
      if (s.mine) await tx.drop(me, peer.id);
      // Their pending request to me stays "outgoing" on their side: to them it looks unanswered.
      if (s.mine?.state === 'incoming') return { relation: 'blocked', changed: true };
      if (s.theirs) await tx.drop(peer.id, me);
      // Otherwise it looks like a plain remove / cancel to them.
      const notice = s.mine?.state === 'accepted' ? ContactNotifications.REMOVED : s.mine?.state === 'outgoing' ? ContactNotifications.REQUEST_CANCELLED : undefined;
      return { relation: 'blocked', notice, changed: true };
    }, true);
    await this.notifications.purgeAbout(me, peer.id, CONTACT_NOTICES).catch((err: Error) => this.logger.warn(`purge after block failed: ${err.message}`));
    return result;
  }

  async unblock(me: string, ref: ContactRefRequest): Promise<ContactChangeResponse> {
    const peer = await this.resolve(me, ref);
    return this.apply(me, peer, async (tx) => {
      const s = await tx.read();
      if (!(await tx.unblock())) return UNCHANGED(s.mine?.state ?? 'none');
      // Their request survived the block on their side: it is pending again on mine.
      if (s.theirs?.state === 'outgoing' && !s.mine) {
        await tx.put(me, peer.id, 'incoming', s.theirs.note, Date.now());
        return { relation: 'incoming', changed: true };
      }
      return { relation: s.mine?.state ?? 'none', changed: true };
    });
  }

  async list(me: string, dto: ContactListRequest): Promise<ContactListResponse> {
    const limit = dto.limit ?? CONTACT_LIST_DEFAULT_LIMIT;
    const after = dto.cursor === undefined ? undefined : decodeCursor(dto.cursor, dto.state);
    const rows = await this.repository.list(me, dto.state, limit + 1, after);
    const page = rows.slice(0, limit);
    const users = await this.users.findMany(page.map((r) => r.peerId));
    const contacts = page.flatMap((r) => {
      const user = users.get(r.peerId);
      return user ? [{ ...userCard(user, r.state), note: r.state === 'accepted' ? null : r.note, since_ms: r.since }] : [];
    });
    const hasMore = rows.length > limit;
    return {
      status: 200,
      contacts,
      has_more: hasMore,
      next_cursor: hasMore ? encodeOpaqueCursor({ s: dto.state ?? '*', a: page[page.length - 1].peerId }) : null,
    };
  }

  /** The target of a contact command: exactly one of user_id / username, an existing enabled other user. */
  private async resolve(me: string, ref: ContactRefRequest): Promise<UserView> {
    if ((ref.user_id === undefined) === (ref.username === undefined)) {
      throw validationError([{ field: 'user_id', problems: ['give exactly one of user_id or username'] }]);
    }
    const user = ref.user_id !== undefined ? await this.users.findById(ref.user_id) : await this.users.findByUsername(ref.username!);
    if (!user || user.disabledAt !== null) throw noSuchUser(ref);
    if (user.id === me) throw validationError([{ field: ref.user_id !== undefined ? 'user_id' : 'username', problems: ['must be another user, not yourself'] }]);
    // Someone who blocked me is, to me, a user nobody has (as in the directory).
    if (await this.repository.absentTo(me, user.id)) throw noSuchUser(ref);
    return user;
  }

  /** Runs the pair transaction, then forgets cached state and tells the peer (durably). */
  private async apply(
    me: string,
    peer: UserView,
    decide: (tx: PairTx) => Promise<Decision>,
    blocked = false,
  ): Promise<ContactChangeResponse> {
    const decision = await this.repository.inPair(me, peer.id, decide);
    if (decision.changed) await this.gate.changed([me, peer.id], blocked);
    if (decision.notice) await this.tell(me, peer.id, decision.notice, decision.note);
    return { status: 200, user: userCard(peer, decision.relation) };
  }

  private async tell(me: string, peerId: string, type: Notice, note: string | null | undefined): Promise<void> {
    const self = await this.users.findById(me);
    if (!self) return;
    const event = { type, user: userCard(self, relationAfter(type)), ...(type === ContactNotifications.REQUEST ? { note: note ?? null } : {}) };
    // The change is committed: a failed notification is logged, the peer still sees it in contact/list.
    // The newest contact notice from me replaces my earlier pending ones to them: cycling
    // request/remove leaves them one notice, not hundreds pushing their real requests out.
    await this.notifications
      .notifyDurable(peerId, event, me, { supersedes: CONTACT_NOTICES })
      .catch((err: Error) => this.logger.warn(`${type} for ${peerId} not stored: ${err.message}`));
  }
}

/** The relation the notified user has with the actor after `type`. */
function relationAfter(type: Notice): ContactRelation {
  if (type === ContactNotifications.REQUEST) return 'incoming';
  return type === ContactNotifications.ACCEPTED ? 'accepted' : 'none';
}

/** The answer for a user that does not exist, is disabled, or blocked the caller: one wording for all. */
function noSuchUser(ref: ContactRefRequest): ProtocolError {
  return new ProtocolError('USER_NOT_FOUND', `no user ${ref.user_id ?? ref.username}`, 404);
}

function noRequestFrom(peer: UserView): ProtocolError {
  return new ProtocolError('NOT_FOUND', `there is no pending contact request from ${peer.username}`, 404);
}

function decodeCursor(cursor: string, state: string | undefined): string {
  const message = 'cursor is not a next_cursor returned by contact/list with the same state; omit it to start from the first page';
  const { s, a } = decodeOpaqueCursor(cursor, message);
  if (s !== (state ?? '*') || !isCursorId(a)) throw invalidCursor(message);
  return a;
}

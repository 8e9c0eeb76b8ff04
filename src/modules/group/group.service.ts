/**
 * Group membership rules and the conversation list.
 *
 * Roles: the creator is the `owner`; the owner can add members or admins and remove anyone but
 * themself; `admin`s can add members and remove plain members; `member`s can only read and leave.
 * A user who is not a member of a group gets 403 NOT_A_MEMBER for every group command on it,
 * whether or not the group exists, so group ids cannot be probed.
 *
 * Each change commits first and then notifies (after the actor's response) every member
 * concerned through NotificationService: the remaining members and the added/removed users.
 */
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { groupConfig, GroupConfig } from './group.config';
import { InjectConfig } from '../../config/config.util';
import { ProtocolError } from '../../shared/protocol';
import { UsersService } from '../auth';
import { ContactGate } from '../contact';
import { ConversationInboxRepository, ConversationRepository, type ConversationRecord, type MemberRecord, type MembershipTx } from '../conversation';
import { MessageSummaries, visibleFrom } from '../message';
import { NotificationService } from '../notification';
import { decodeListCursor, encodeListCursor } from './group-list-cursor';
import {
  ConversationSummary,
  GROUP_LIST_DEFAULT_LIMIT,
  GroupAddRequest,
  GroupCreateRequest,
  GroupListResponse,
  GroupMemberView,
  GroupMembershipChange,
  GroupRefRequest,
  GroupRemoveRequest,
  GroupView,
} from '../../shared/protocol/messages/group.messages';

/** A response plus the notification to push once the actor has its response. */
export interface Outcome<T> {
  response: T;
  notify?: () => Promise<void>;
}

export const GroupNotifications = {
  CREATED: 'group.created',
  MEMBER_ADDED: 'group.member_added',
  MEMBER_REMOVED: 'group.member_removed',
  MEMBER_LEFT: 'group.member_left',
} as const;

@Injectable()
export class GroupService {
  constructor(
    private readonly inbox: ConversationInboxRepository,
    private readonly conversations: ConversationRepository,
    private readonly summaries: MessageSummaries,
    private readonly users: UsersService,
    private readonly notifications: NotificationService,
    private readonly contacts: ContactGate,
    @InjectConfig(groupConfig) private readonly config: GroupConfig,
  ) {}

  async create(by: string, dto: GroupCreateRequest): Promise<Outcome<GroupView>> {
    const others = unique(dto.members).filter((id) => id !== by);
    if (others.length + 1 > this.config.maxMembers) {
      const problem = `a group holds at most ${this.config.maxMembers} members including the owner; members lists ${others.length} others`;
      throw new ProtocolError('VALIDATION_FAILED', problem, 400, { fields: [{ field: 'members', problems: [problem] }] });
    }
    await this.requireUsers(by, others);
    const id = `g-${randomBytes(12).toString('hex')}`;
    const now = Date.now();
    const historyVisibility = dto.history_visibility ?? 'joined';
    const members = await this.conversations.create({ id, kind: 'group', name: dto.name, ownerId: by, historyVisibility, now }, [
      { userIds: [by], role: 'owner' },
      { userIds: others, role: 'member' },
    ]);
    const memberIds = members.map((m) => m.userId);
    return {
      response: {
        conversation_id: id,
        name: dto.name,
        owner_id: by,
        history_visibility: historyVisibility,
        created_at: toSeconds(now),
        last_seq: 0,
        members: members.map(toMemberView),
      },
      notify: () =>
        this.notifications.notify(memberIds, { type: GroupNotifications.CREATED, conversation_id: id, name: dto.name, by, members: memberIds }),
    };
  }

  async add(by: string, dto: GroupAddRequest): Promise<Outcome<GroupMembershipChange>> {
    const id = dto.conversation_id;
    const role = dto.role ?? 'member';
    const wanted = unique(dto.members);
    // Authorize before looking users up, so a non-member learns nothing about the group or users.
    this.assertCanAdd(id, await this.conversations.findMembership(id, by), role);
    const change = await this.conversations.inConversation(id, 'group', async (tx, group) => {
      const me = await requireMember(tx, group, id, by);
      this.assertCanAdd(id, me, role);
      const current = await tx.members(id);
      const present = new Set(current.map((m) => m.userId));
      // Checked against the members: someone who blocked me but is already in the group is
      // visible there anyway (groups are not affected by blocks), and answers "already".
      await this.requireUsers(by, wanted, present);
      const added = wanted.filter((u) => !present.has(u));
      if (current.length + added.length > this.config.maxMembers) {
        throw new ProtocolError(
          'CONFLICT',
          `group ${id} has ${current.length} members; adding ${added.length} would exceed the limit of ${this.config.maxMembers}`,
        );
      }
      if (added.length > 0) {
        const now = Date.now();
        // History starts at the current end of the conversation (unless history_visibility is "all").
        await tx.insertMembers(id, added, role, group!.lastSeq, now);
        await tx.touch(id, now);
      }
      return { added, already: wanted.filter((u) => present.has(u)), everyone: [...present, ...added], name: group!.name };
    });
    return {
      response: { conversation_id: id, members: change.added, already_members: change.already },
      notify:
        change.added.length === 0
          ? undefined
          : () =>
              this.notifications.notify(change.everyone, {
                type: GroupNotifications.MEMBER_ADDED,
                conversation_id: id,
                name: change.name,
                by,
                members: change.added,
                role,
              }),
    };
  }

  async remove(by: string, dto: GroupRemoveRequest): Promise<Outcome<GroupMembershipChange>> {
    const id = dto.conversation_id;
    const wanted = unique(dto.members);
    const change = await this.conversations.inConversation(id, 'group', async (tx, group) => {
      const me = await requireMember(tx, group, id, by);
      if (me.role === 'member') throw forbidden(`only the owner or an admin of ${id} can remove members`);
      if (wanted.includes(by)) {
        const problem = 'members must not include yourself; use group/leave to leave a group';
        throw new ProtocolError('VALIDATION_FAILED', problem, 400, { fields: [{ field: 'members', problems: [problem] }] });
      }
      const current = await tx.members(id);
      const byUser = new Map(current.map((m) => [m.userId, m]));
      const removed: string[] = [];
      const absent: string[] = [];
      for (const userId of wanted) {
        const member = byUser.get(userId);
        if (!member) absent.push(userId);
        else if (member.role === 'owner') throw new ProtocolError('CONFLICT', `${userId} owns ${id} and cannot be removed; the owner can only leave (group/leave)`);
        else if (member.role === 'admin' && me.role !== 'owner') throw forbidden(`only the owner of ${id} can remove an admin (${userId})`);
        else removed.push(userId);
      }
      if (removed.length > 0) {
        await tx.deleteMembers(id, removed);
        await tx.touch(id, Date.now());
      }
      return { removed, absent, remaining: current.map((m) => m.userId).filter((u) => !removed.includes(u)), name: group!.name };
    });
    return {
      response: { conversation_id: id, members: change.removed, not_members: change.absent },
      notify:
        change.removed.length === 0
          ? undefined
          : () =>
              this.notifications.notify([...change.remaining, ...change.removed], {
                type: GroupNotifications.MEMBER_REMOVED,
                conversation_id: id,
                name: change.name,
                by,
                members: change.removed,
              }),
    };
  }

  /**
   * Leaving is always allowed. When the owner leaves, ownership passes to the longest-standing
   * admin, or if there is none to the longest-standing member; a group whose last member left
   * stays stored but is unreachable.
   */
  async leave(by: string, dto: GroupRefRequest): Promise<Outcome<{ conversation_id: string; new_owner_id: string | null }>> {
    const id = dto.conversation_id;
    const change = await this.conversations.inConversation(id, 'group', async (tx, group) => {
      const me = await requireMember(tx, group, id, by);
      const remaining = (await tx.members(id)).filter((m) => m.userId !== by);
      const now = Date.now();
      let successor: MemberRecord | undefined;
      if (me.role === 'owner') {
        // members() is sorted by role, then join time: the first one is the successor.
        successor = remaining[0];
        if (successor) await tx.setRole(id, successor.userId, 'owner');
      }
      await tx.deleteMembers(id, [by]);
      await tx.touch(id, now, successor?.userId);
      return { remaining: remaining.map((m) => m.userId), newOwner: successor?.userId ?? null, name: group!.name };
    });
    return {
      response: { conversation_id: id, new_owner_id: change.newOwner },
      notify: () =>
        this.notifications.notify([...change.remaining, by], {
          type: GroupNotifications.MEMBER_LEFT,
          conversation_id: id,
          name: change.name,
          by,
          members: [by],
          new_owner_id: change.newOwner,
        }),
    };
  }

  async members(by: string, dto: GroupRefRequest): Promise<Omit<GroupView, 'last_seq' | 'created_at'>> {
    const id = dto.conversation_id;
    const [group, me] = await Promise.all([this.conversations.find(id, 'group'), this.conversations.findMembership(id, by)]);
    if (!group || !me) throw notMember(id);
    const members = await this.conversations.listMembers(id);
    return {
      conversation_id: id,
      name: group.name ?? '',
      owner_id: group.ownerId ?? '',
      history_visibility: group.historyVisibility,
      members: members.map(toMemberView),
    };
  }

  /**
   * My groups and direct conversations, most recently active first, keyset-paginated. The page
   * comes from the conversation module (activity = the conversation's `updated_at`, which every
   * stream entry and membership change bumps); last message and unread count from the message
   * module's summaries, which count real messages only (not module entries such as poll votes or
   * reactions) and respect what a late joiner may see.
   */
  async list(by: string, cursor: string | undefined, limit = GROUP_LIST_DEFAULT_LIMIT): Promise<GroupListResponse> {
    const after = cursor === undefined ? undefined : decodeListCursor(cursor);
    const rows = await this.inbox.page(by, limit + 1, after && { activityAt: after.activity, conversationId: after.id });
    const page = rows.slice(0, limit);
    const ids = page.map((r) => r.conversationId);
    const [counts, peers, summaries] = await Promise.all([
      this.conversations.memberCounts(ids),
      this.conversations.directPeers(page.filter((r) => r.kind === 'direct').map((r) => r.conversationId), by),
      this.summaries.summarize(
        by,
        page.map((r) => ({ conversationId: r.conversationId, lastSeq: r.lastSeq, readSeq: r.readSeq, visibleFrom: visibleFrom(r) })),
      ),
    ]);
    const conversations = page.map((r): ConversationSummary => {
      const summary = summaries.get(r.conversationId);
      return {
        conversation_id: r.conversationId,
        kind: r.kind as 'group' | 'direct',
        name: r.kind === 'group' ? r.name : null,
        ...(r.kind === 'direct' ? { peer_id: peers.get(r.conversationId) } : { owner_id: r.ownerId }),
        role: r.role,
        member_count: counts.get(r.conversationId) ?? 0,
        last_seq: r.lastSeq,
        last_message: summary?.lastMessage ?? null,
        unread_count: summary?.unreadCount ?? 0,
        last_activity_at: toSeconds(r.activityAt),
        last_activity_at_ms: r.activityAt,
      };
    });
    const last = page[page.length - 1];
    const hasMore = rows.length > limit;
    return { conversations, has_more: hasMore, next_cursor: hasMore && last ? encodeListCursor({ activity: last.activityAt, id: last.conversationId }) : null };
  }

  private assertCanAdd(id: string, me: MemberRecord | null, role: 'member' | 'admin'): void {
    if (!me) throw notMember(id);
    if (me.role === 'member') throw forbidden(`only the owner or an admin of ${id} can add members`);
    if (role === 'admin' && me.role !== 'owner') throw forbidden(`only the owner of ${id} can add admins`);
  }

  /** Every id an existing user; a user who blocked `by` (and is not in `present`) counts as unknown. */
  private async requireUsers(by: string, ids: string[], present: ReadonlySet<string> = new Set()): Promise<void> {
    if (ids.length === 0) return;
    const [known, blockers] = await Promise.all([this.users.exists(ids).then((found) => new Set(found)), this.contacts.blockersAmong(by, ids)]);
    const missing = ids.filter((id) => !known.has(id) || (blockers.has(id) && !present.has(id)));
    if (missing.length > 0) {
      throw new ProtocolError('USER_NOT_FOUND', `unknown user id(s) in members: ${missing.join(', ')}`, 404, { missing });
    }
  }
}

async function requireMember(tx: MembershipTx, group: ConversationRecord | null, id: string, userId: string): Promise<MemberRecord> {
  const me = group ? await tx.membership(id, userId) : null;
  if (!me) throw notMember(id);
  return me;
}

function notMember(id: string): ProtocolError {
  return new ProtocolError('NOT_A_MEMBER', `you are not a member of group ${id} (or it does not exist)`);
}

function forbidden(message: string): ProtocolError {
  return new ProtocolError('FORBIDDEN', message);
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}

function toMemberView(m: MemberRecord): GroupMemberView {
  return { user_id: m.userId, role: m.role, joined_at: toSeconds(m.joinedAt) };
}

/** Wire timestamps are Unix seconds like the rest of the protocol (`*_ms` twins where useful). */
function toSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/**
 * Extension port for membership that an outside source manages (the identity module maps a
 * directory or identity-provider group to a chat group): make a user a member of a group, or not,
 * exactly as the group's owner would with group/add and group/remove — same limits, same history
 * rule for a late joiner, same notifications to the members. The owner is never removed this way.
 */
import { Injectable, Logger } from '@nestjs/common';
import { ProtocolError } from '../../shared/protocol';
import { ConversationRepository } from '../conversation';
import { GroupService } from './group.service';

export type MembershipSyncResult = 'added' | 'removed' | 'unchanged' | 'no-such-group' | 'refused';

@Injectable()
export class GroupMembershipSync {
  private readonly logger = new Logger('GroupMembershipSync');

  constructor(
    private readonly groups: GroupService,
    private readonly conversations: ConversationRepository,
  ) {}

  async sync(groupId: string, userId: string, member: boolean): Promise<MembershipSyncResult> {
    const group = await this.conversations.find(groupId, 'group');
    if (!group || !group.ownerId) return 'no-such-group';
    const current = await this.conversations.findMembership(groupId, userId);
    if (member === (current !== null) || (!member && current?.role === 'owner')) return 'unchanged';
    try {
      const outcome = member
        ? await this.groups.add(group.ownerId, { conversation_id: groupId, members: [userId] })
        : await this.groups.remove(group.ownerId, { conversation_id: groupId, members: [userId] });
      await outcome.notify?.();
      return member ? 'added' : 'removed';
    } catch (err) {
      // A rule of the group refused it (full, user unknown): said once in the log, the login goes on.
      // Anything else (an outage) propagates and fails the login like any other database error.
      if (!(err instanceof ProtocolError) || err.status >= 500) throw err;
      this.logger.warn(`group ${groupId}: could not ${member ? 'add' : 'remove'} user ${userId}: ${err.message}`);
      return 'refused';
    }
  }
}

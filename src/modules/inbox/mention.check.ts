/**
 * message/send check for `content.mentions` (registered on the message module's
 * MessageSendChecks): a list of at most MENTIONS_MAX user ids, or `@all`.
 *
 * - The shape is checked synchronously: a send without mentions (or with user mentions only)
 *   awaits nothing and runs no query, so the send path stays as fast as before.
 * - `@all` in a group is for its owner and admins (403 FORBIDDEN otherwise): one membership
 *   lookup, only for a message that carries it. In a direct conversation it names the peer.
 * - A mention of someone who is not a member is kept as written and counts for nobody: mention
 *   counts are computed per member from their own unread messages, so it notifies no one and
 *   reveals nothing (checking each id would cost a query per send).
 */
import { fieldError } from '../../shared/protocol/validator';
import { forbidden } from '../../shared/protocol/errors';
import type { ConversationRepository } from '../conversation';
import { MENTION_ALL, type SendCheck } from '../message';

export const MENTIONS_MAX = 50;

export function mentionCheck(conversations: ConversationRepository): SendCheck {
  return ({ dto, senderId, conversationId }) => {
    const content = dto.content as Record<string, unknown> | undefined;
    if (!content || content.mentions === undefined) return undefined;
    const list = content.mentions;
    const problem = 'content.mentions must be an array of at most ' + MENTIONS_MAX + ' user ids (1 to 64 characters each) or "@all", without repeats';
    if (!Array.isArray(list) || list.length > MENTIONS_MAX || new Set(list).size !== list.length) throw fieldError('content.mentions', problem);
    if (!list.every((m) => typeof m === 'string' && m.length >= 1 && m.length <= 64)) throw fieldError('content.mentions', problem);
    if (!list.includes(MENTION_ALL) || !conversationId.startsWith('g-')) return undefined;
    return conversations.findMembership(conversationId, senderId).then((member) => {
      // A non-member's send is refused by the writer with the usual NOT_A_MEMBER answer.
      if (member && member.role === 'member') throw forbidden('only the owner and admins of a group may mention @all');
    });
  };
}

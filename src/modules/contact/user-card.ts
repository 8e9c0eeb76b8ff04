/** How users are shown to each other (directory and contacts): the UserCard of the protocol. */
import type { ContactRelation, UserCard } from '../../shared/protocol/messages/user.messages';
import type { UserView } from '../auth';

export function userCard(user: Pick<UserView, 'id' | 'username' | 'displayName' | 'statusText'>, contact: ContactRelation): UserCard {
  return { user_id: user.id, username: user.username, display_name: user.displayName, status_text: user.statusText ?? null, contact };
}

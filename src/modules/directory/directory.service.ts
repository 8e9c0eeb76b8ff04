/**
 * user/lookup and user/profile. What they reveal (docs/protocol.md "Directory"):
 * - DIRECTORY_VISIBILITY=everyone (default): every enabled account; `contacts`: only users I have
 *   a contact relation with (accepted or pending either way), and myself.
 * - Never a user who blocked me: to me they look exactly like a name nobody has.
 * - A lookup returns one page and no cursor: more matches need a longer query, and prefix search
 *   starts at LOOKUP_PREFIX_MIN_LENGTH characters, so the table cannot be walked by paging.
 * Hidden and missing users are both 404 USER_NOT_FOUND with the same message.
 *
 * The directory owns no table: the contact module says who blocked me and whom I am related to,
 * the auth module searches its users with those ids excluded (or kept) in SQL, so a page is never
 * cut short by filtering afterwards.
 */
import { Injectable } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { ContactConfig, contactConfig } from '../contact';
import { ProtocolError, validationError } from '../../shared/protocol';
import {
  LOOKUP_DEFAULT_LIMIT,
  LOOKUP_PREFIX_MIN_LENGTH,
  UserCard,
  UserLookupRequest,
  UserLookupResponse,
  UserProfileRequest,
  UserProfileResponse,
} from '../../shared/protocol/messages/user.messages';
import { normalizeUsername, UsersService, type DirectoryMatch, type UserView } from '../auth';
import { ContactRepository } from '../contact';
import { userCard } from '../contact';

type Visibility = 'everyone' | 'contacts';

@Injectable()
export class DirectoryService {
  constructor(
    private readonly contacts: ContactRepository,
    private readonly users: UsersService,
    @InjectConfig(contactConfig) private readonly config: ContactConfig,
  ) {}

  async lookup(me: string, dto: UserLookupRequest): Promise<UserLookupResponse> {
    const visibility = this.config.directoryVisibility;
    const query = normalizeUsername(dto.query);
    const limit = dto.limit ?? LOOKUP_DEFAULT_LIMIT;
    const exact = await this.one(me, visibility, { usernameNormalized: query });
    // Short queries only match exactly: a 1-2 character prefix would list most of the table.
    const prefixed = query.length >= LOOKUP_PREFIX_MIN_LENGTH ? await this.search(me, visibility, { prefix: query }, limit + 1) : exact ? [exact] : [];
    const page = prefixed.slice(0, limit);
    const cards = await this.cards(me, exact && !page.some((u) => u.id === exact.id) ? [...page, exact] : page);
    return {
      status: 200,
      exact: exact ? cards.get(exact.id)! : null,
      users: page.map((u) => cards.get(u.id)!),
      has_more: prefixed.length > limit,
    };
  }

  async profile(me: string, dto: UserProfileRequest): Promise<UserProfileResponse> {
    const updating = dto.display_name !== undefined || dto.status_text !== undefined;
    if (updating) {
      if (dto.user_id !== undefined || dto.username !== undefined) {
        throw validationError([{ field: 'user_id', problems: ['cannot be combined with display_name/status_text: only your own profile can be changed'] }]);
      }
      await this.users.updateProfile(me, {
        displayName: dto.display_name?.trim(),
        statusText: dto.status_text === undefined ? undefined : dto.status_text?.trim() || null,
      });
    }
    if (dto.user_id !== undefined && dto.username !== undefined) {
      throw validationError([{ field: 'user_id', problems: ['give user_id or username, not both'] }]);
    }
    const by = dto.user_id !== undefined ? { id: dto.user_id } : dto.username !== undefined ? { usernameNormalized: normalizeUsername(dto.username) } : { id: me };
    const user = await this.one(me, this.config.directoryVisibility, by);
    if (!user) throw new ProtocolError('USER_NOT_FOUND', `no user ${dto.user_id ?? dto.username}`, 404);
    return { status: 200, user: (await this.cards(me, [user])).get(user.id)! };
  }

  private async one(me: string, visibility: Visibility, by: DirectoryMatch): Promise<UserView | null> {
    return (await this.search(me, visibility, by, 1))[0] ?? null;
  }

  /**
   * Visible users: enabled, never one who blocked me, and with DIRECTORY_VISIBILITY=contacts
   * only myself and users I have a contact row for.
   */
  private async search(me: string, visibility: Visibility, match: DirectoryMatch, limit: number): Promise<UserView[]> {
    const [{ blockers }, related] = await Promise.all([this.contacts.blocksOf(me), visibility === 'contacts' ? this.contacts.relatedPeers(me) : undefined]);
    return this.users.searchEnabled(match, { exclude: blockers, only: related && [me, ...related] }, limit);
  }

  private async cards(me: string, users: UserView[]): Promise<Map<string, UserCard>> {
    const relations = await this.contacts.relations(me, users.map((u) => u.id).filter((id) => id !== me));
    return new Map(users.map((u) => [u.id, userCard(u, u.id === me ? 'self' : relations.get(u.id) ?? 'none')]));
  }
}

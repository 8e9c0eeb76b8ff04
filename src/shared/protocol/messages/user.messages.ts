/**
 * Payloads of the directory commands (user/lookup, user/profile). Who a lookup may reveal is the
 * server's DIRECTORY_VISIBILITY rule (docs/protocol.md "Directory"); these classes only check
 * shapes. Pure class-validator classes shared by the server, the SDK and the schema generator.
 */
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { Nullable } from '../null-fields';
import { ResponseStatusDto } from './envelope.messages';
import { PageLimit } from './paging';
import { NullOr, NullOrRef, Strict } from './response-fields';

/** Prefix searches need this many characters; an exact username match works from 1 character. */
export const LOOKUP_PREFIX_MIN_LENGTH = 3;
export const LOOKUP_MAX_LIMIT = 20;
export const LOOKUP_DEFAULT_LIMIT = 10;
export const DISPLAY_NAME_MAX_LENGTH = 64;
export const STATUS_TEXT_MAX_LENGTH = 140;
const USER_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Characters a username may hold (auth.messages USERNAME_PATTERN), any length up to 32. */
const USERNAME_CHARS = /^[A-Za-z0-9_.-]{1,32}$/;

/** user/lookup: exact username (case-insensitive) plus, from 3 characters on, usernames starting with `query`. */
export class UserLookupRequest {
  @JSONSchema({ description: 'A username or the start of one (case-insensitive).' })
  @IsString({ message: 'query must be a string (a username or its first characters)' })
  @Matches(USERNAME_CHARS, { message: 'query must be 1-32 characters of letters, digits, "_", "." or "-" (the characters of a username)' })
  query: string;

  @JSONSchema({ description: `Most results (1-${LOOKUP_MAX_LIMIT}, default ${LOOKUP_DEFAULT_LIMIT}). There is no next page: type more characters.` })
  @PageLimit(LOOKUP_MAX_LIMIT)
  limit?: number;
}

/**
 * user/profile. Without fields: my profile. With `user_id` or `username`: that user's profile.
 * With `display_name` and/or `status_text`: updates mine (cannot be combined with user_id/username).
 */
export class UserProfileRequest {
  @IsOptional()
  @Matches(USER_ID, { message: 'user_id must be a user id such as "u-10001"' })
  user_id?: string;

  @IsOptional()
  @IsString({ message: 'username must be a string' })
  @Matches(USERNAME_CHARS, { message: 'username must be 1-32 characters of letters, digits, "_", "." or "-"' })
  username?: string;

  @JSONSchema({ description: `New display name (1-${DISPLAY_NAME_MAX_LENGTH} characters, trimmed).` })
  @IsOptional()
  @IsString({ message: 'display_name must be a string' })
  @Matches(/\S/, { message: 'display_name must not be blank' })
  @MinLength(1, { message: 'display_name must not be empty' })
  @MaxLength(DISPLAY_NAME_MAX_LENGTH, { message: `display_name must be at most ${DISPLAY_NAME_MAX_LENGTH} characters` })
  display_name?: string;

  @JSONSchema({ description: 'New status text; null or "" clears it.' })
  @IsOptional()
  @Nullable()
  @ValidateIf((_o, value) => value !== null)
  @IsString({ message: 'status_text must be a string (or null to clear it)' })
  @MaxLength(STATUS_TEXT_MAX_LENGTH, { message: `status_text must be at most ${STATUS_TEXT_MAX_LENGTH} characters` })
  status_text?: string | null;
}

/** Relation of a listed user to the requester (see contact/list). */
export type ContactRelation = (typeof CONTACT_RELATIONS)[number];

/** Relations a listed user may have to the requester. */
export const CONTACT_RELATIONS = ['self', 'none', 'accepted', 'incoming', 'outgoing', 'blocked'] as const;

/** A user as the directory shows them. */
@Strict({ nested: true })
export class UserCard {
  @IsString()
  user_id: string;

  @IsString()
  username: string;

  @IsString()
  display_name: string;

  @NullOr('string', 'null when the user set none.')
  status_text: string | null;

  @JSONSchema({ description: 'How the user relates to the requester.' })
  @IsIn(CONTACT_RELATIONS)
  contact: ContactRelation;
}

/** user/lookup success. */
@Strict()
export class UserLookupResponse extends ResponseStatusDto {
  @NullOrRef(UserCard, 'The user whose username equals `query` (case-insensitive), if visible; else null.')
  exact: UserCard | null;

  @JSONSchema({ description: 'Visible users whose username starts with `query` (exact match included), by username.' })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => UserCard)
  users: UserCard[];

  @JSONSchema({ description: 'More users match: there is no next page, make the query longer.' })
  @IsBoolean()
  has_more: boolean;
}

/** user/profile success. */
@Strict()
export class UserProfileResponse extends ResponseStatusDto {
  @ValidateNested()
  @Type(() => UserCard)
  user: UserCard;
}

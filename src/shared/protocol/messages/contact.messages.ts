/**
 * Payloads of the contact commands (contact/request, accept, decline, remove, list, block,
 * unblock) and the notifications they cause. The rules (who may request whom, what a blocked user
 * learns) are in docs/protocol.md "Contacts"; these classes only check shapes.
 */
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { ResponseStatusDto } from './envelope.messages';
import { NullOr, Strict } from './response-fields';
import { UserCard } from './user.messages';
import { PageCursor, PageLimit } from './paging';

export const CONTACT_NOTE_MAX_LENGTH = 200;
export const CONTACT_LIST_MAX_LIMIT = 100;
export const CONTACT_LIST_DEFAULT_LIMIT = 50;
export const CONTACT_LIST_STATES = ['accepted', 'incoming', 'outgoing', 'blocked'] as const;
export type ContactListState = (typeof CONTACT_LIST_STATES)[number];
const USER_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const USERNAME_CHARS = /^[A-Za-z0-9_.-]{1,32}$/;

/** Notification types (`notification/event` payload `type`) sent by the contacts module. */
export const ContactNotifications = {
  REQUEST: 'contact.request',
  ACCEPTED: 'contact.accepted',
  DECLINED: 'contact.declined',
  REMOVED: 'contact.removed',
  REQUEST_CANCELLED: 'contact.request_cancelled',
} as const;

/** Who a contact command is about: `user_id` or `username` (exactly one). */
export class ContactRefRequest {
  @IsOptional()
  @Matches(USER_ID, { message: 'user_id must be a user id such as "u-10001"' })
  user_id?: string;

  @JSONSchema({ description: 'The exact username (case-insensitive), instead of user_id.' })
  @IsOptional()
  @IsString({ message: 'username must be a string' })
  @Matches(USERNAME_CHARS, { message: 'username must be 1-32 characters of letters, digits, "_", "." or "-"' })
  username?: string;
}

export class ContactRequestRequest extends ContactRefRequest {
  @JSONSchema({ description: `Optional note shown with the request (at most ${CONTACT_NOTE_MAX_LENGTH} characters).` })
  @IsOptional()
  @IsString({ message: 'note must be a string' })
  @MaxLength(CONTACT_NOTE_MAX_LENGTH, { message: `note must be at most ${CONTACT_NOTE_MAX_LENGTH} characters` })
  note?: string;
}

export class ContactListRequest {
  @JSONSchema({ description: 'Only this state; omitted: accepted, incoming and outgoing (blocked users only when asked).' })
  @IsOptional()
  @IsIn(CONTACT_LIST_STATES, { message: `state must be one of ${CONTACT_LIST_STATES.join(', ')}` })
  state?: ContactListState;

  @PageCursor()
  cursor?: string;

  @PageLimit(CONTACT_LIST_MAX_LIMIT)
  limit?: number;
}

/** Answer of every state-changing contact command: the relation afterwards. */
@Strict()
export class ContactChangeResponse extends ResponseStatusDto {
  @ValidateNested()
  @Type(() => UserCard)
  user: UserCard;
}

/** One contact/list entry: the user's card plus the relation's note and time. */
@Strict({ nested: true })
export class ContactEntry extends UserCard {
  @NullOr('string', 'Note of a pending request (incoming or outgoing), else null.')
  note: string | null;

  @JSONSchema({ description: 'When the relation reached its current state (epoch ms).' })
  @IsInt()
  since_ms: number;
}

/** contact/list success. */
@Strict()
export class ContactListResponse extends ResponseStatusDto {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ContactEntry)
  contacts: ContactEntry[];

  @IsBoolean()
  has_more: boolean;

  @NullOr('string', 'Pass as cursor for the next page; null on the last one.')
  next_cursor: string | null;
}

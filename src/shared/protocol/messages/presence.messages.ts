/**
 * Payloads of the presence commands (draft §2.2), field names as in the draft (snake_case).
 * Pure class-validator classes so the SDK and the server share them.
 */
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Matches, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { Nullable } from '../null-fields';
import { ResponseStatusDto } from './envelope.messages';
import { PageCursor, PageLimit } from './paging';
import { NullOr, Strict } from './response-fields';

/** Statuses a client may set on its connection. `offline` is what others see when nothing is visible. */
export const PRESENCE_STATUSES = ['online', 'away', 'busy', 'invisible'] as const;
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number];
/** Statuses as seen by others: invisible is shown as offline. */
export type PublicPresenceStatus = 'online' | 'away' | 'busy' | 'offline';
/** Status as seen by the user themselves (their own invisible connections stay invisible). */
export type SelfPresenceStatus = PublicPresenceStatus | 'invisible';

export const PRESENCE_TEXT_MAX_LENGTH = 140;
export const PRESENCE_LIST_MAX_IDS = 200;
export const PRESENCE_LIST_DEFAULT_LIMIT = 50;
export const PRESENCE_LIST_MAX_LIMIT = 200;
const USER_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** presence/heartbeat, both directions (`type: "event"`): the server echoes the same seq. */
export class HeartbeatMessage {
  @JSONSchema({ description: 'Client-chosen counter; the echo carries the same value (round-trip time).' })
  @IsInt({ message: 'seq must be a non-negative integer' })
  @Min(0, { message: 'seq must be a non-negative integer' })
  seq: number;
}

/** presence/update: the status of the connection the request arrives on. */
export class PresenceUpdateRequest {
  @IsIn(PRESENCE_STATUSES, { message: `status must be one of ${PRESENCE_STATUSES.join(', ')}` })
  status: PresenceStatus;

  @JSONSchema({ description: 'Free-text status. Omitted: unchanged; null or "": cleared.' })
  @IsOptional()
  @Nullable()
  @ValidateIf((_o, value) => value !== null)
  @IsString({ message: 'text must be a string (or null to clear it)' })
  @MaxLength(PRESENCE_TEXT_MAX_LENGTH, { message: `text must be at most ${PRESENCE_TEXT_MAX_LENGTH} characters` })
  text?: string | null;
}

/** presence/list: the given users, or (without user_ids) the visible online contacts, paginated. */
export class PresenceListRequest {
  @IsOptional()
  @IsArray({ message: 'user_ids must be an array of user ids' })
  @ArrayMinSize(1, { message: 'user_ids must not be empty (omit it to list your online contacts)' })
  @ArrayMaxSize(PRESENCE_LIST_MAX_IDS, { message: `user_ids must hold at most ${PRESENCE_LIST_MAX_IDS} ids` })
  @Matches(USER_ID, { each: true, message: 'user_ids must be user ids such as "u-10001"' })
  user_ids?: string[];

  @PageCursor()
  cursor?: string;

  @PageLimit(PRESENCE_LIST_MAX_LIMIT)
  limit?: number;
}

/** presence/subscribe: follow users whose presence is not pushed otherwise (e.g. in a large group). */
export class PresenceSubscribeRequest {
  @IsArray({ message: 'user_ids must be an array of user ids' })
  @ArrayMinSize(1, { message: 'user_ids must hold at least one id' })
  @ArrayMaxSize(PRESENCE_LIST_MAX_IDS, { message: `user_ids must hold at most ${PRESENCE_LIST_MAX_IDS} ids` })
  @Matches(USER_ID, { each: true, message: 'user_ids must be user ids such as "u-10001"' })
  user_ids: string[];
}

export const TYPING_STATES = ['start', 'stop'] as const;
export type TypingState = (typeof TYPING_STATES)[number];

/** presence/typing request: I started (or stopped) typing in a conversation. */
export class TypingRequest {
  @IsString({ message: 'conversation_id must be a string' })
  @Length(1, 64, { message: 'conversation_id must be 1 to 64 characters' })
  conversation_id: string;

  @JSONSchema({ description: '`start` (resend about every expires_in_ms / 2 while typing) or `stop`.' })
  @IsIn(TYPING_STATES, { message: `state must be one of ${TYPING_STATES.join(', ')}` })
  state: TypingState;
}

/** presence/typing event: a member started or stopped typing (never stored). */
@Strict()
export class TypingEventDto {
  @IsString()
  conversation_id: string;

  @IsString()
  user_id: string;

  @IsIn(TYPING_STATES)
  state: TypingState;

  @JSONSchema({ description: 'With `start`: the indicator ends by itself after this long unless refreshed (the server also sends the `stop`).' })
  @IsOptional()
  @IsInt()
  expires_in_ms?: number;
}

/** What others (or the user) see: `invisible` only for the user themselves. */
export const SEEN_PRESENCE_STATUSES = ['online', 'away', 'busy', 'offline', 'invisible'] as const;

/** One user's presence: the payload of presence/event and an item of presence/list. */
@Strict()
export class PresenceView {
  @IsString()
  user_id: string;

  @JSONSchema({ description: 'As the viewer may see it: others never see `invisible` (it shows as offline).' })
  @IsIn(SEEN_PRESENCE_STATUSES)
  status: SelfPresenceStatus;

  @NullOr('string', 'Free-text status; null when none.')
  text: string | null;

  @NullOr('integer', 'Unix seconds: last activity while visible; null when never seen (or not visible to you).')
  last_seen: number | null;

  @JSONSchema({ description: 'Device kinds of the visible connections, sorted, e.g. ["android", "windows"].' })
  @IsArray()
  @IsString({ each: true })
  devices: string[];
}

/** presence/update success: my presence as I see it now. */
@Strict()
export class PresenceUpdateResponse extends ResponseStatusDto {
  @ValidateNested()
  @Type(() => PresenceView)
  presence: PresenceView;
}

/** presence/subscribe success: the presence of the users now followed. */
@Strict()
export class PresenceSubscribeResponse extends ResponseStatusDto {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => PresenceView)
  users: PresenceView[];
}

/** presence/list success. */
@Strict()
export class PresenceListResponse extends PresenceSubscribeResponse {
  @IsBoolean()
  has_more: boolean;

  @NullOr('string', 'Pass as cursor for the next page; null on the last one (always null with user_ids).')
  next_cursor: string | null;
}

/** presence/typing success: what the server made of it. */
@Strict()
export class TypingResponse extends ResponseStatusDto {
  @IsString()
  conversation_id: string;

  @IsIn(TYPING_STATES)
  state: TypingState;

  @JSONSchema({ description: 'With `start`: resend before this long has passed to keep the indicator on.' })
  @IsOptional()
  @IsInt()
  expires_in_ms?: number;
}

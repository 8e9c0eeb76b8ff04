/**
 * Payloads of the group commands (client → server) and the shapes of their responses. Field names
 * are snake_case like the rest of the draft. Pure class-validator classes shared by the server's
 * validation pipe, the SDK and the JSON-Schema generator.
 */
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { WireMessage } from './message.messages';
import { JSONSchema } from 'class-validator-jsonschema';
import { PageLimit } from './paging';

/** Group conversation ids are `g-` followed by letters, digits, `_` or `-`. */
export const GROUP_ID_PATTERN = /^g-[A-Za-z0-9_-]{1,62}$/;
export const GROUP_ID_RULE = 'conversation_id must be a group id such as "g-3f9c0a1b2c4d" (direct conversations have no group commands)';
export const GROUP_NAME_MAX_LENGTH = 200;
/** Upper bound of `members[]` in one request; the group size itself is bounded by GROUP_MAX_MEMBERS. */
export const GROUP_MEMBERS_PER_REQUEST = 1000;
export const GROUP_LIST_MAX_LIMIT = 100;
export const GROUP_LIST_DEFAULT_LIMIT = 50;
export const HISTORY_VISIBILITIES = ['joined', 'all'] as const;
export type HistoryVisibility = (typeof HISTORY_VISIBILITIES)[number];
export const GROUP_ROLES = ['owner', 'admin', 'member'] as const;
export type GroupRole = (typeof GROUP_ROLES)[number];

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class GroupCreateRequest {
  @JSONSchema({ description: 'Display name of the group (1-200 characters, trimmed).' })
  @Transform(trim)
  @IsString({ message: 'name must be a string' })
  @IsNotEmpty({ message: 'name must not be empty' })
  @MaxLength(GROUP_NAME_MAX_LENGTH, { message: `name must be at most ${GROUP_NAME_MAX_LENGTH} characters` })
  name: string;

  @JSONSchema({ description: 'User ids to add besides the creator (who becomes the owner). May be empty.' })
  @IsArray({ message: 'members must be an array of user ids' })
  @ArrayMaxSize(GROUP_MEMBERS_PER_REQUEST, { message: `members must list at most ${GROUP_MEMBERS_PER_REQUEST} user ids` })
  @IsString({ each: true, message: 'members must contain user id strings' })
  @IsNotEmpty({ each: true, message: 'members must not contain empty user ids' })
  @MaxLength(64, { each: true, message: 'each member id must be at most 64 characters' })
  members: string[];

  @JSONSchema({ description: '"joined" (default): members see messages from their join on; "all": full history.' })
  @IsOptional()
  @IsIn(HISTORY_VISIBILITIES, { message: 'history_visibility must be "joined" or "all"' })
  history_visibility?: HistoryVisibility;
}

export class GroupRefRequest {
  @JSONSchema({ description: 'The group conversation id (g-...).' })
  @IsString({ message: 'conversation_id must be a string' })
  @Matches(GROUP_ID_PATTERN, { message: GROUP_ID_RULE })
  conversation_id: string;
}

export class GroupRemoveRequest extends GroupRefRequest {
  @JSONSchema({ description: 'User ids to remove (at least one).' })
  @IsArray({ message: 'members must be an array of user ids' })
  @ArrayMinSize(1, { message: 'members must list at least one user id' })
  @ArrayMaxSize(GROUP_MEMBERS_PER_REQUEST, { message: `members must list at most ${GROUP_MEMBERS_PER_REQUEST} user ids` })
  @IsString({ each: true, message: 'members must contain user id strings' })
  @IsNotEmpty({ each: true, message: 'members must not contain empty user ids' })
  @MaxLength(64, { each: true, message: 'each member id must be at most 64 characters' })
  members: string[];
}

export class GroupAddRequest extends GroupRemoveRequest {
  @JSONSchema({ description: 'Role of the added members: "member" (default) or "admin" (owner only).' })
  @IsOptional()
  @IsIn(['member', 'admin'], { message: 'role must be "member" or "admin"' })
  role?: 'member' | 'admin';
}

export class GroupListRequest {
  @JSONSchema({ description: 'Opaque cursor from a previous page\'s next_cursor.' })
  @IsOptional()
  @IsString({ message: 'cursor must be the next_cursor string of a previous group/list page' })
  @MaxLength(512, { message: 'cursor must be the next_cursor string of a previous group/list page' })
  cursor?: string;

  @JSONSchema({ description: `Page size, 1-${GROUP_LIST_MAX_LIMIT} (default ${GROUP_LIST_DEFAULT_LIMIT}).` })
  @Type(() => Number)
  @PageLimit(GROUP_LIST_MAX_LIMIT)
  limit?: number;
}

// ---- response shapes (documentation and SDK typing; the server builds plain objects) ----

export interface GroupMemberView {
  user_id: string;
  role: GroupRole;
  /** Unix seconds. */
  joined_at: number;
}

export interface GroupView {
  conversation_id: string;
  name: string;
  owner_id: string;
  history_visibility: HistoryVisibility;
  /** Unix seconds. */
  created_at: number;
  last_seq: number;
  members: GroupMemberView[];
}

export interface GroupMembershipChange {
  conversation_id: string;
  /** Users whose membership actually changed. */
  members: string[];
  /** group/add: listed users who were already members (left unchanged). */
  already_members?: string[];
  /** group/remove: listed users who were not members (nothing to do). */
  not_members?: string[];
}

/** The conversation's newest message, in the same shape as message/event's `message`. */
export type ConversationLastMessage = WireMessage;

export interface ConversationSummary {
  conversation_id: string;
  kind: 'group' | 'direct';
  /** Group name; null for direct conversations. */
  name: string | null;
  /** Direct conversations: the other participant. */
  peer_id?: string;
  /** Groups: the current owner. */
  owner_id?: string | null;
  role: GroupRole;
  member_count: number;
  last_seq: number;
  last_message: ConversationLastMessage | null;
  /** Messages from others after my read position (and after I joined). */
  unread_count: number;
  /** Unix seconds of the last message, or of the last membership change if later. */
  last_activity_at: number;
  last_activity_at_ms: number;
}

export interface GroupListResponse {
  conversations: ConversationSummary[];
  has_more: boolean;
  next_cursor: string | null;
}

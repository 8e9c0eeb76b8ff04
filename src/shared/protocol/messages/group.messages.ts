/**
 * Payloads of the group commands (client → server) and the shapes of their responses. Field names
 * are snake_case like the rest of the draft. Pure class-validator classes shared by the server's
 * validation pipe, the SDK and the JSON-Schema generator.
 */
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { ResponseStatusDto } from './envelope.messages';
import { WireMessageDto, type WireMessage } from './message.messages';
import { NullOr, NullOrRef, Reply, Strict } from './response-fields';
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

// ---- server → client payloads (the generated schemas, docs/asyncapi.yaml and the SDK's types) ----

/** A member of a group: group/create, group/members. */
@Strict({ nested: true })
export class GroupMemberView {
  @IsString()
  user_id: string;

  @IsIn(GROUP_ROLES)
  role: GroupRole;

  @JSONSchema({ description: 'Unix seconds.' })
  @IsInt()
  joined_at: number;
}

/** group/members success: the group and every member. */
@Strict()
export class GroupMembersResponse extends ResponseStatusDto {
  @IsString()
  conversation_id: string;

  @IsString()
  name: string;

  @IsString()
  owner_id: string;

  @IsIn(HISTORY_VISIBILITIES)
  history_visibility: HistoryVisibility;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => GroupMemberView)
  members: GroupMemberView[];
}

/** group/create success: the new group. */
@Strict()
export class GroupCreateResponse extends GroupMembersResponse {
  @JSONSchema({ description: 'Unix seconds.' })
  @IsInt()
  created_at: number;

  @IsInt()
  last_seq: number;
}

/** group/add and group/remove success. */
@Strict()
export class GroupChangeResponse extends ResponseStatusDto {
  @IsString()
  conversation_id: string;

  @JSONSchema({ description: 'Users whose membership actually changed.' })
  @IsArray()
  @IsString({ each: true })
  members: string[];

  @JSONSchema({ description: 'group/add: listed users who were already members (left unchanged).' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  already_members?: string[];

  @JSONSchema({ description: 'group/remove: listed users who were not members (nothing to do).' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  not_members?: string[];
}

/** group/leave success. */
@Strict()
export class GroupLeaveResponse extends ResponseStatusDto {
  @IsString()
  conversation_id: string;

  @NullOr('string', 'When the owner left: the member who owns the group now (null when nobody is left).')
  new_owner_id: string | null;
}

/** The conversation's newest message, in the same shape as message/event's `message`. */
export type ConversationLastMessage = WireMessage;

/** One group/list entry: a group or direct conversation of mine. */
@Strict({ nested: true })
export class ConversationSummary {
  @IsString()
  conversation_id: string;

  @IsIn(['group', 'direct'])
  kind: 'group' | 'direct';

  @NullOr('string', 'Group name; null for direct conversations.')
  name: string | null;

  @JSONSchema({ description: 'Direct conversations: the other participant.' })
  @IsOptional()
  @IsString()
  peer_id?: string;

  @JSONSchema({ description: 'Groups: the current owner.', type: ['string', 'null'] })
  @IsOptional()
  @IsString()
  owner_id?: string | null;

  @IsIn(GROUP_ROLES)
  role: GroupRole;

  @IsInt()
  member_count: number;

  @IsInt()
  last_seq: number;

  @NullOrRef(WireMessageDto, 'The newest message I may see (as message/history shows it); null when none.')
  last_message: ConversationLastMessage | null;

  @JSONSchema({ description: 'Messages from others after my read position (and after I joined).' })
  @IsInt()
  unread_count: number;

  @JSONSchema({ description: 'Unix seconds of the last message, or of the last membership change if later.' })
  @IsInt()
  last_activity_at: number;

  @IsInt()
  last_activity_at_ms: number;
}

/** group/list success. */
@Strict()
export class GroupListPageDto extends ResponseStatusDto {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ConversationSummary)
  conversations: ConversationSummary[];

  @IsBoolean()
  has_more: boolean;

  @NullOr('string', 'Pass as cursor for the next page; null on the last one.')
  next_cursor: string | null;
}

/** What the group service builds (the transport adds `status`). */
export type GroupView = Reply<GroupCreateResponse>;
export type GroupMembershipChange = Reply<GroupChangeResponse>;
export type GroupListResponse = Reply<GroupListPageDto>;

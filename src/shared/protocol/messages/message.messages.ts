/**
 * Payloads of the message commands (draft §2.3, §6, §7), field names as in the draft
 * (snake_case). Pure class-validator classes so the SDK and the server share them.
 *
 * `content`, `attachments[]` and `meta` stay open objects (extensions add fields), so they are
 * checked by custom constraints instead of nested DTOs: a nested DTO with the global
 * `whitelist` option would silently strip every field it does not declare.
 */
import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  Validate,
  ValidateIf,
  ValidateNested,
  ValidatorConstraint,
  ValidatorConstraintInterface,
  ValidationArguments,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { contentTypes, type Content } from '../extensions';
import { ResponseStatusDto } from './envelope.messages';
import { NullOr, Strict } from './response-fields';
import { FILE_NAME_PATTERN, FILE_NAME_RULE } from '../file-names';

export const TARGET_TYPES = ['user', 'group', 'broadcast'] as const;
export type TargetType = (typeof TARGET_TYPES)[number];
export const MESSAGE_PRIORITIES = ['low', 'normal', 'high'] as const;
export type MessagePriority = (typeof MESSAGE_PRIORITIES)[number];
export const RECEIPT_STATES = ['delivered', 'read'] as const;
export type ReceiptState = (typeof RECEIPT_STATES)[number];
/** The system conversation every user can read (draft: target.type `broadcast`). */
export const BROADCAST_CONVERSATION_ID = 'broadcast';

/** Ids in payloads (users, conversations); also used by the message/send fast check. */
export const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
const ID = ID_PATTERN;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `content`: a registered content type whose own validator accepts it (see extensions.ts). */
@ValidatorConstraint({ name: 'messageContent' })
export class MessageContentConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return contentTypes.validate(value) === undefined;
  }
  defaultMessage(args: ValidationArguments): string {
    return contentTypes.validate(args.value) ?? 'content is invalid';
  }
}

/** One attachment: `{file_id, name?, size?, ...}` as in the draft's example. */
export function attachmentError(value: unknown, index: number): string | undefined {
  const at = `attachments[${index}]`;
  if (!isPlainObject(value)) return `${at} must be an object such as {"file_id": "f-abc123", "name": "a.png", "size": 2048}`;
  if (typeof value.file_id !== 'string' || value.file_id.length === 0 || value.file_id.length > 128) {
    return `${at}.file_id must be a non-empty string of at most 128 characters`;
  }
  if (value.name !== undefined && typeof value.name !== 'string') return `${at}.name must be a string when present`;
  if (value.name !== undefined && !FILE_NAME_PATTERN.test(value.name)) return `${at}.name must be ${FILE_NAME_RULE}`;
  if (value.size !== undefined && !(Number.isSafeInteger(value.size) && (value.size as number) >= 0)) {
    return `${at}.size must be a non-negative integer (bytes) when present`;
  }
  return undefined;
}

@ValidatorConstraint({ name: 'messageAttachments' })
export class MessageAttachmentsConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return Array.isArray(value) && value.every((a, i) => attachmentError(a, i) === undefined);
  }
  defaultMessage(args: ValidationArguments): string {
    const list = args.value as unknown[];
    if (!Array.isArray(list)) return 'attachments must be an array';
    for (let i = 0; i < list.length; i++) {
      const error = attachmentError(list[i], i);
      if (error) return error;
    }
    return 'attachments are invalid';
  }
}

export function metaError(meta: unknown): string | undefined {
  if (!isPlainObject(meta)) return 'meta must be an object';
  if (meta.reply_to !== undefined && meta.reply_to !== null && (typeof meta.reply_to !== 'string' || meta.reply_to.length > 64)) {
    return 'meta.reply_to must be the message_id of a message in this conversation';
  }
  if (meta.thread_root !== undefined && (typeof meta.thread_root !== 'string' || meta.thread_root.length === 0 || meta.thread_root.length > 64)) {
    return "meta.thread_root must be the message_id of the thread's root message in this conversation";
  }
  if (meta.priority !== undefined && !MESSAGE_PRIORITIES.includes(meta.priority as MessagePriority)) {
    return `meta.priority must be one of ${MESSAGE_PRIORITIES.join(', ')}`;
  }
  return undefined;
}

@ValidatorConstraint({ name: 'messageMeta' })
export class MessageMetaConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return metaError(value) === undefined;
  }
  defaultMessage(args: ValidationArguments): string {
    return metaError(args.value) ?? 'meta is invalid';
  }
}

export class MessageTarget {
  @IsIn(TARGET_TYPES, { message: `target.type must be one of ${TARGET_TYPES.join(', ')}` })
  type: TargetType;

  @JSONSchema({ description: 'User id (type user) or group conversation id (type group); omitted for broadcast.' })
  @ValidateIf((o: MessageTarget) => o.type !== 'broadcast' || o.id !== undefined)
  @IsString({ message: 'target.id must be a user id (type user) or a group id (type group)' })
  @Matches(ID, { message: 'target.id must be 1-64 characters of letters, digits, "_.:-"' })
  id?: string;
}

export interface MessageMeta {
  reply_to?: string | null;
  /** A thread reply: the message_id of the thread's root (a message of the same conversation). */
  thread_root?: string;
  priority?: MessagePriority;
  [extra: string]: unknown;
}

/** message/send. The request `id` is the idempotency key (retries reuse it). */
export class SendMessageRequest {
  @JSONSchema({
    description:
      'Direct: `d-<smaller user id>-<larger user id>` (may be omitted; the server derives it). Group: the group id. Broadcast: `broadcast`.',
  })
  @IsOptional()
  @IsString({ message: 'conversation_id must be a string' })
  @MaxLength(64, { message: 'conversation_id must be at most 64 characters' })
  conversation_id?: string;

  @IsDefined({ message: 'target is required: {"type": "user" | "group" | "broadcast", "id": ...}' })
  @ValidateNested()
  @Type(() => MessageTarget)
  target: MessageTarget;

  @JSONSchema({ description: 'Typed content, e.g. {"type": "text", "text": "Hello"}; types listed in extensions.ts.' })
  @IsDefined({ message: 'content is required, e.g. {"type": "text", "text": "Hello"}' })
  @Validate(MessageContentConstraint)
  content: Content;

  @IsOptional()
  @IsArray({ message: 'attachments must be an array' })
  @Validate(MessageAttachmentsConstraint)
  attachments?: Record<string, unknown>[];

  @JSONSchema({ description: '{reply_to?: message_id, thread_root?: message_id, priority?: low|normal|high, ...} (other keys are kept).' })
  @IsOptional()
  @IsObject({ message: 'meta must be an object' })
  @Validate(MessageMetaConstraint)
  meta?: MessageMeta;
}

/** message/ack (client → server): cumulative receipt for every message up to `seq`. */
export class AckMessageRequest {
  @IsString({ message: 'conversation_id must be a string' })
  @Matches(ID, { message: 'conversation_id must be a conversation id' })
  conversation_id: string;

  @IsInt({ message: 'seq must be a positive integer' })
  @Min(1, { message: 'seq must be a positive integer' })
  seq: number;

  @IsIn(RECEIPT_STATES, { message: `state must be one of ${RECEIPT_STATES.join(', ')}` })
  state: ReceiptState;
}

/**
 * message/history. With `conversation_id`: one conversation, `before` (older) or `since`
 * (newer) cursor. Without: `since` is a sync cursor over all my conversations.
 */
export class MessageHistoryRequest {
  @IsOptional()
  @IsString({ message: 'conversation_id must be a string' })
  @Matches(ID, { message: 'conversation_id must be a conversation id' })
  conversation_id?: string;

  @JSONSchema({ description: 'Opaque cursor (`next_cursor` of a backwards page): messages older than it.' })
  @IsOptional()
  @IsString({ message: 'before must be the opaque next_cursor string of an earlier page' })
  @MaxLength(8192, { message: 'before is too long to be a cursor' })
  before?: string;

  @JSONSchema({ description: 'Opaque cursor (`next_cursor` of a forward page or a sync): messages newer than it.' })
  @IsOptional()
  @IsString({ message: 'since must be the opaque next_cursor string of an earlier page or sync' })
  @MaxLength(65536, { message: 'since is too long to be a cursor' })
  since?: string;

  @IsOptional()
  @IsInt({ message: 'limit must be a positive integer' })
  @Min(1, { message: 'limit must be a positive integer' })
  limit?: number;

  @JSONSchema({ description: 'One conversation only: leave thread replies out of the page (they stay in sync and in message/thread).' })
  @IsOptional()
  @IsBoolean({ message: 'exclude_thread_replies must be true or false' })
  exclude_thread_replies?: boolean;
}

/** message/thread: the replies of one thread, oldest first, paged forward with `since`. */
export class MessageThreadRequest {
  @IsString({ message: 'conversation_id must be a string' })
  @Matches(ID, { message: 'conversation_id must be a conversation id' })
  conversation_id: string;

  @JSONSchema({ description: "The seq of the thread's root message." })
  @IsInt({ message: 'root_seq must be a positive integer (the seq of the root message)' })
  @Min(1, { message: 'root_seq must be a positive integer (the seq of the root message)' })
  root_seq: number;

  @JSONSchema({ description: 'Opaque cursor (`next_cursor` of the previous page): replies after it.' })
  @IsOptional()
  @IsString({ message: 'since must be the opaque next_cursor string of an earlier page' })
  @MaxLength(8192, { message: 'since is too long to be a cursor' })
  since?: string;

  @IsOptional()
  @IsInt({ message: 'limit must be a positive integer' })
  @Min(1, { message: 'limit must be a positive integer' })
  limit?: number;
}

/** One message of a conversation, by its seq (message/edit, message/recall). */
export class MessageRefRequest {
  @IsString({ message: 'conversation_id must be a string' })
  @Matches(ID, { message: 'conversation_id must be a conversation id' })
  conversation_id: string;

  @JSONSchema({ description: 'The seq of the message in the conversation.' })
  @IsInt({ message: 'seq must be a positive integer (the seq of the message)' })
  @Min(1, { message: 'seq must be a positive integer (the seq of the message)' })
  seq: number;
}

/** message/edit: the author replaces the content (same content type; attachments and meta stay). */
export class EditMessageRequest extends MessageRefRequest {
  @JSONSchema({ description: 'The new content, of the same type as the original, e.g. {"type": "text", "text": "Hello!"}.' })
  @IsDefined({ message: 'content is required, e.g. {"type": "text", "text": "Hello"}' })
  @Validate(MessageContentConstraint)
  content: Content;
}

/** message/recall: the author (within MESSAGE_RECALL_WINDOW_S) or a group owner/admin erases a message. */
export class RecallMessageRequest extends MessageRefRequest {}

// ---------------------------------------------------------------------------------------------
// Server → client shapes (documentation and SDK typing; not validated on the server).

export interface WireMessage {
  message_id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  /** Unix seconds, as in the draft; `sent_at_ms` carries the millisecond time. */
  sent_at: number;
  sent_at_ms: number;
  content: Content;
  attachments: Record<string, unknown>[];
  meta: MessageMeta;
  /**
   * Absent for a message. Otherwise a module-defined entry of the conversation's ordered stream
   * (e.g. `poll.voted`, its data in `content`): it takes a seq like a message, and a client that
   * does not know the kind skips it (but counts the seq as seen).
   */
  kind?: string;
  /** message/edit: when the content was last replaced (unix seconds) and how often; absent if never. */
  edited_at?: number;
  edit_count?: number;
  /**
   * message/recall: the message is a tombstone — `content` is `{"type": "recalled"}`, attachments
   * and meta are empty; who recalled it (the author or a moderator) and when (unix seconds).
   */
  recalled_by?: string;
  recalled_at?: number;
  /** An entry about another entry of the conversation (an edit, a reaction, a pin): that entry's seq. */
  ref_seq?: number;
  /** A thread reply (a message): the seq of its thread's root. */
  thread_root_seq?: number;
  /** A thread's root, in history and message/thread: its replies so far (absent when none). */
  reply_count?: number;
  /** Unix seconds of the newest reply. */
  last_reply_at?: number;
  /** Up to 5 user ids who replied, first repliers first. */
  reply_participants?: string[];
  /** message/history only (reaction module): the message's reactions, most used first; absent when none. */
  reactions?: { emoji: string; count: number; me: boolean }[];
}

export interface SendMessageResponse {
  status: 200;
  message_id: string;
  conversation_id: string;
  seq: number;
  sent_at: number;
  sent_at_ms: number;
  /** true when this answered a retry of an already stored message. */
  duplicate?: boolean;
}

/** message/edit and message/recall: the message as history now returns it, and the stream entry that announced it. */
export interface MessageChangeResponse {
  status: 200;
  message: WireMessage;
  /** The `message.edited` / `message.recalled` entry appended to the conversation's stream. */
  entry: WireMessage;
  /** true when this answered a retry (or the message was already recalled). */
  duplicate?: boolean;
}

export interface MessageEventPayload {
  status: 200;
  message: WireMessage;
}

export interface OfflineBatchPayload {
  status: 200;
  messages: WireMessage[];
  has_more: boolean;
}

export interface ReceiptEventPayload {
  status: 200;
  conversation_id: string;
  message_id: string;
  seq: number;
  state: ReceiptState;
  by: string;
  /** Group receipts coalesced over the window: every member's newest position, per state. */
  receipts?: { by: string; seq: number; message_id: string; state: ReceiptState }[];
}

// ---------------------------------------------------------------------------------------------
// The same server → client shapes as classes, for the generated JSON Schemas, docs/asyncapi.yaml
// and the frame check of the e2e suite (test/support/frame-contract.ts). Open objects: fields
// other modules add to a message (edits, recalls, threads, reactions) are allowed.

export class WireMessageDto {
  @IsString()
  message_id: string;

  @IsString()
  conversation_id: string;

  @IsInt()
  @Min(1)
  seq: number;

  @IsString()
  sender_id: string;

  @JSONSchema({ description: 'Unix seconds; sent_at_ms carries the milliseconds.' })
  @IsInt()
  sent_at: number;

  @IsInt()
  sent_at_ms: number;

  @JSONSchema({ description: 'A message: typed content ({"type": ...}); another kind of entry: its data.' })
  @IsObject()
  content: Record<string, unknown>;

  @IsArray()
  attachments: Record<string, unknown>[];

  @IsObject()
  meta: Record<string, unknown>;

  @JSONSchema({ description: 'Absent for a message; otherwise the module-defined kind of this stream entry (e.g. poll.voted). Clients skip kinds they do not know.' })
  @IsOptional()
  @IsString()
  kind?: string;
}

/** message/send success response. */
@Strict()
export class SendMessageResponseDto extends ResponseStatusDto {
  @IsString()
  message_id: string;

  @IsString()
  conversation_id: string;

  @IsInt()
  seq: number;

  @IsInt()
  sent_at: number;

  @IsInt()
  sent_at_ms: number;

  @JSONSchema({ description: 'true when this answered a retry of an already stored message.' })
  @IsOptional()
  @IsBoolean()
  duplicate?: boolean;
}

/** message/event: one new stream entry, pushed live. */
@Strict()
export class MessageEventDto extends ResponseStatusDto {
  @ValidateNested()
  @Type(() => WireMessageDto)
  message: WireMessageDto;
}

/** message/offline: a batch of what the user missed. */
@Strict()
export class OfflineBatchDto extends ResponseStatusDto {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => WireMessageDto)
  messages: WireMessageDto[];

  @IsBoolean()
  has_more: boolean;
}

/** message/history success response: a conversation page or a sync page. */
@Strict()
export class HistoryPageDto extends ResponseStatusDto {
  @JSONSchema({ description: 'Present on a conversation page, absent on a sync page.' })
  @IsOptional()
  @IsString()
  conversation_id?: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => WireMessageDto)
  messages: WireMessageDto[];

  @IsBoolean()
  has_more: boolean;

  @NullOr('string', 'Continues in the same direction; null when a backwards page reached the start (a sync or forward cursor never runs out: poll from it).')
  next_cursor: string | null;

  @JSONSchema({ description: 'Conversation pages: goes the other way from this page (newer after a backwards page, or older); null when there is nothing that way.', type: ['string', 'null'] })
  @IsOptional()
  @IsString()
  prev_cursor?: string | null;
}

/** message/ack success: my positions in the conversation afterwards. */
@Strict()
export class AckResponseDto extends ResponseStatusDto {
  @IsString()
  conversation_id: string;

  @IsInt()
  delivered_seq: number;

  @IsInt()
  read_seq: number;
}

/** One receipt of a coalesced group receipt event. */
@Strict({ nested: true })
export class ReceiptDto {
  @IsString()
  by: string;

  @IsInt()
  seq: number;

  @IsString()
  message_id: string;

  @IsIn(RECEIPT_STATES)
  state: ReceiptState;
}

/** message/ack event (to a sender): a member received or read my messages up to `seq`. */
@Strict()
export class ReceiptEventDto extends ResponseStatusDto {
  @IsString()
  conversation_id: string;

  @JSONSchema({ description: 'My newest message the receipt covers.' })
  @IsString()
  message_id: string;

  @IsInt()
  seq: number;

  @IsIn(RECEIPT_STATES)
  state: ReceiptState;

  @JSONSchema({ description: 'Who received or read it.' })
  @IsString()
  by: string;

  @JSONSchema({ description: 'Group receipts coalesced over the window: every member\'s newest position, per state.' })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ReceiptDto)
  receipts?: ReceiptDto[];
}

/** message/edit and message/recall success: the message as history now returns it, and the stream entry that announced it. */
@Strict()
export class MessageChangeResponseDto extends ResponseStatusDto {
  @ValidateNested()
  @Type(() => WireMessageDto)
  message: WireMessageDto;

  @JSONSchema({ description: 'The `message.edited` / `message.recalled` entry appended to the conversation\'s stream.' })
  @ValidateNested()
  @Type(() => WireMessageDto)
  entry: WireMessageDto;

  @JSONSchema({ description: 'true when this answered a retry (or the message was already recalled).' })
  @IsOptional()
  @IsBoolean()
  duplicate?: boolean;
}

/** message/thread success: the root (with its reply summary) and a page of replies, oldest first. */
@Strict()
export class ThreadPageDto extends ResponseStatusDto {
  @IsString()
  conversation_id: string;

  @ValidateNested()
  @Type(() => WireMessageDto)
  root: WireMessageDto;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => WireMessageDto)
  replies: WireMessageDto[];

  @IsBoolean()
  has_more: boolean;

  @JSONSchema({ description: 'Pass as cursor to get the replies after this page (also after has_more: false, for new ones).' })
  @IsString()
  next_cursor: string;
}

/**
 * conversation/list, conversation/read and conversation/mute payloads. The global validation
 * pipe answers a bad one with 400 VALIDATION_FAILED naming the field; the response and event
 * classes are what the generated schemas, docs/asyncapi.yaml and the SDK's types describe.
 */
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { ResponseStatusDto } from '../../shared/protocol/messages/envelope.messages';
import type { WireMessage } from '../../shared/protocol/messages/message.messages';

export const INBOX_PAGE_DEFAULT = 30;
export const INBOX_PAGE_MAX = 100;

class ConversationRefDto {
  @IsString({ message: 'conversation_id must be a string' })
  @Length(1, 64, { message: 'conversation_id must be 1 to 64 characters' })
  conversation_id: string;
}

export class ConversationListRequest {
  @JSONSchema({ description: "Opaque cursor: the previous page's next_cursor, unchanged." })
  @IsOptional()
  @IsString({ message: 'cursor must be the next_cursor string of a previous conversation/list page' })
  @MaxLength(512, { message: 'cursor must be the next_cursor string of a previous conversation/list page' })
  cursor?: string;

  @JSONSchema({ description: `Conversations per page, 1 to ${INBOX_PAGE_MAX} (default ${INBOX_PAGE_DEFAULT}).` })
  @IsOptional()
  @IsInt({ message: `limit must be an integer from 1 to ${INBOX_PAGE_MAX}` })
  @Min(1, { message: `limit must be an integer from 1 to ${INBOX_PAGE_MAX}` })
  @Max(INBOX_PAGE_MAX, { message: `limit must be an integer from 1 to ${INBOX_PAGE_MAX}` })
  limit?: number;
}

export class ConversationReadRequest extends ConversationRefDto {
  @JSONSchema({ description: 'Everything up to this seq is read (on all my devices). A lower seq than my position changes nothing.' })
  @IsInt({ message: 'seq must be an integer >= 0' })
  @Min(0, { message: 'seq must be an integer >= 0' })
  seq: number;
}

export class ConversationMuteRequest extends ConversationRefDto {
  @JSONSchema({ description: 'true to mute, false to unmute.' })
  @IsBoolean({ message: 'muted must be true or false' })
  muted: boolean;

  @JSONSchema({ description: 'With muted: true, mute until this time (epoch milliseconds, in the future); absent = until unmuted.' })
  @IsOptional()
  @IsInt({ message: 'until must be a time in epoch milliseconds' })
  @Min(1, { message: 'until must be a time in epoch milliseconds' })
  until?: number;
}

/** One conversation of my inbox. */
export class ConversationSummaryDto extends ConversationRefDto {
  @IsIn(['direct', 'group'])
  kind: 'direct' | 'group';

  @JSONSchema({ description: "A group's name; null for a direct conversation (see peer_id).", type: ['string', 'null'] })
  @IsOptional()
  @IsString()
  title: string | null;

  @JSONSchema({ description: 'Direct conversations: the other user.' })
  @IsOptional()
  @IsString()
  peer_id?: string;

  @JSONSchema({ description: 'Latest activity (epoch ms): the newest stream entry or membership change. The list is ordered by it, newest first.' })
  @IsInt()
  last_activity_at: number;

  @IsInt()
  last_seq: number;

  @JSONSchema({ description: 'My read position (conversation/read, message/ack read).' })
  @IsInt()
  read_seq: number;

  @JSONSchema({ description: 'The newest message I may see, as message/history returns it (latest content; a recalled one is its tombstone); null when none.', type: ['object', 'null'] })
  @IsOptional()
  @IsObject()
  last_message: WireMessage | null;

  @JSONSchema({ description: "A short plain-text preview of last_message: its text (cut to 100 characters) or '[<type>]'; null when there is none or it was recalled.", type: ['string', 'null'] })
  @IsOptional()
  @IsString()
  preview: string | null;

  @JSONSchema({ description: 'Messages after read_seq from others, not recalled (muted conversations count too).' })
  @IsInt()
  unread_count: number;

  @JSONSchema({ description: 'Of those, the ones whose content.mentions names me or @all.' })
  @IsInt()
  mention_count: number;

  @IsBoolean()
  muted: boolean;

  @JSONSchema({ description: 'When the mute ends (epoch ms); null when not muted or muted until unmuted.', type: ['integer', 'null'] })
  @IsOptional()
  @IsInt()
  muted_until: number | null;

  @JSONSchema({ description: 'Pinned messages of the conversation (pin/list).' })
  @IsInt()
  pinned_count: number;
}

export class ConversationListResponse extends ResponseStatusDto {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ConversationSummaryDto)
  conversations: ConversationSummaryDto[];

  @IsBoolean()
  has_more: boolean;

  @JSONSchema({ description: 'Pass as cursor for the next page; null on the last one.', type: ['string', 'null'] })
  @IsOptional()
  @IsString()
  next_cursor: string | null;
}

/** conversation/read answer, and the event my other connections get when my position moved. */
export class ConversationReadEventDto extends ConversationRefDto {
  @IsInt()
  read_seq: number;
}

export class ConversationReadResponse extends ResponseStatusDto {
  @IsString()
  conversation_id: string;

  @IsInt()
  read_seq: number;
}

/** conversation/mute answer, and the event my other connections get. */
export class ConversationMuteEventDto extends ConversationRefDto {
  @IsBoolean()
  muted: boolean;

  @JSONSchema({ description: 'When the mute ends (epoch ms); null: until unmuted (or not muted).', type: ['integer', 'null'] })
  @IsOptional()
  @IsInt()
  muted_until: number | null;
}

export class ConversationMuteResponse extends ResponseStatusDto {
  @IsString()
  conversation_id: string;

  @IsBoolean()
  muted: boolean;

  @JSONSchema({ description: 'When the mute ends (epoch ms); null: until unmuted (or not muted).', type: ['integer', 'null'] })
  @IsOptional()
  @IsInt()
  muted_until: number | null;
}

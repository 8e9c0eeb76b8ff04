/**
 * message/search payloads: full-text search over the messages the caller may read (the query
 * syntax is in docs/protocol.md, "message/search").
 */
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { ResponseStatusDto } from './envelope.messages';
import { ID_PATTERN, WireMessageDto } from './message.messages';

export const SEARCH_ORDERS = ['newest', 'relevance'] as const;
export type SearchOrder = (typeof SEARCH_ORDERS)[number];

export class MessageSearchRequest {
  @JSONSchema({ description: 'Words (each must occur), "phrases", and the filters from:<user id>, in:<conversation id>, has:file, before:<date>, after:<date>.' })
  @IsString({ message: 'query must be a string' })
  @MinLength(1, { message: 'query must not be empty' })
  @MaxLength(500, { message: 'query must be at most 500 characters' })
  query: string;

  @JSONSchema({ description: 'Only this conversation (like in:<id>).' })
  @IsOptional()
  @IsString({ message: 'conversation_id must be a string' })
  @Matches(ID_PATTERN, { message: 'conversation_id must be a conversation id' })
  conversation_id?: string;

  @JSONSchema({ description: 'Only messages of this sender (a user id, like from:<id>).' })
  @IsOptional()
  @IsString({ message: 'from_user must be a string' })
  @Matches(ID_PATTERN, { message: 'from_user must be a user id' })
  from_user?: string;

  @JSONSchema({ description: 'Only messages sent before this time (Unix seconds, exclusive).' })
  @IsOptional()
  @IsInt({ message: 'before must be Unix seconds' })
  @Min(0, { message: 'before must be Unix seconds' })
  before?: number;

  @JSONSchema({ description: 'Only messages sent at or after this time (Unix seconds).' })
  @IsOptional()
  @IsInt({ message: 'after must be Unix seconds' })
  @Min(0, { message: 'after must be Unix seconds' })
  after?: number;

  @JSONSchema({ description: 'Only messages with attachments (like has:file).' })
  @IsOptional()
  @IsBoolean({ message: 'has_file must be true or false' })
  has_file?: boolean;

  @JSONSchema({ description: '"newest" (default): newest first, every match. "relevance": the newest 200 matches, best first.' })
  @IsOptional()
  @IsIn(SEARCH_ORDERS, { message: 'order must be "newest" or "relevance"' })
  order?: SearchOrder;

  @IsOptional()
  @IsInt({ message: 'limit must be a positive integer' })
  @Min(1, { message: 'limit must be a positive integer' })
  limit?: number;

  @JSONSchema({ description: 'Opaque: the next_cursor of the previous page of the same search.' })
  @IsOptional()
  @IsString({ message: 'cursor must be the next_cursor string of a previous message/search page' })
  @MaxLength(512, { message: 'cursor must be the next_cursor string of a previous message/search page' })
  cursor?: string;
}

export class SearchSnippetPartDto {
  @IsString()
  text: string;

  @JSONSchema({ description: 'true on the parts that matched a search term.' })
  @IsOptional()
  @IsBoolean()
  match?: boolean;
}

export class SearchResultDto {
  @IsString()
  conversation_id: string;

  @JSONSchema({ description: "The message's position: message/history with this conversation around this seq shows it." })
  @IsInt()
  @Min(1)
  seq: number;

  @JSONSchema({ description: 'Pass as message/history `before` (with this conversation_id): the page ending with this message.' })
  @IsString()
  history_cursor: string;

  @IsString()
  message_id: string;

  @IsString()
  sender_id: string;

  @JSONSchema({ description: 'Unix seconds.' })
  @IsInt()
  sent_at: number;

  @JSONSchema({ description: 'The text around the first match, matched terms as parts with match: true; "…" parts mark cut text.' })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => SearchSnippetPartDto)
  snippet: SearchSnippetPartDto[];

  @ValidateNested()
  @Type(() => WireMessageDto)
  message: WireMessageDto;
}

export class SearchPageDto extends ResponseStatusDto {
  @IsIn(SEARCH_ORDERS)
  order: SearchOrder;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => SearchResultDto)
  results: SearchResultDto[];

  @IsBoolean()
  has_more: boolean;

  @JSONSchema({ description: 'Pass as cursor (with the same query and filters) for the next page; null on the last one.', type: ['string', 'null'] })
  @IsOptional()
  @IsString()
  next_cursor: string | null;
}

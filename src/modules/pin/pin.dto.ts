/** pin/add, pin/remove and pin/list payloads (400 VALIDATION_FAILED naming the field when bad). */
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsInt, IsObject, IsOptional, IsString, Length, Min, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { ResponseStatusDto } from '../../shared/protocol/messages/envelope.messages';

export class PinListRequest {
  @IsString({ message: 'conversation_id must be a string' })
  @Length(1, 64, { message: 'conversation_id must be 1 to 64 characters' })
  conversation_id: string;
}

export class PinRequest extends PinListRequest {
  @JSONSchema({ description: 'The seq of the message in the conversation.' })
  @IsInt({ message: 'seq must be a positive integer (the seq of the message)' })
  @Min(1, { message: 'seq must be a positive integer (the seq of the message)' })
  seq: number;
}

/** pin/add and pin/remove success payload. */
export class PinResponse extends ResponseStatusDto {
  @IsString()
  conversation_id: string;

  @IsInt()
  seq: number;

  @JSONSchema({ description: 'Whether the message is pinned now.' })
  @IsBoolean()
  pinned: boolean;

  @JSONSchema({ description: 'The `pin.added` / `pin.removed` entry appended to the stream; absent when nothing changed.' })
  @IsOptional()
  @IsObject()
  entry?: Record<string, unknown>;
}

export class PinViewDto {
  @IsInt()
  seq: number;

  @IsString()
  message_id: string;

  @IsString()
  pinned_by: string;

  @JSONSchema({ description: 'Unix seconds.' })
  @IsInt()
  pinned_at: number;

  @JSONSchema({ description: 'The pinned message as message/history shows it.' })
  @IsObject()
  message: Record<string, unknown>;
}

/** pin/list success payload: newest pin first. */
export class PinListResponse extends ResponseStatusDto {
  @IsString()
  conversation_id: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => PinViewDto)
  pins: PinViewDto[];
}

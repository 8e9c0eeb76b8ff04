/**
 * poll/create and poll/vote payloads. A team's module keeps its DTOs in its folder; the global
 * validation pipe turns a bad payload into 400 VALIDATION_FAILED naming the field. The response
 * classes are what the generated JSON Schemas, docs/asyncapi.yaml and the SDK's types describe.
 */
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsString, Length, Min, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { ResponseStatusDto } from '../../shared/protocol/messages/envelope.messages';

export class PollCreateRequest {
  @IsString({ message: 'conversation_id must be a string' })
  @Length(1, 64, { message: 'conversation_id must be 1 to 64 characters' })
  conversation_id: string;

  @IsString({ message: 'question must be a string' })
  @Length(1, 300, { message: 'question must be 1 to 300 characters' })
  question: string;

  @IsArray({ message: 'options must be an array of strings' })
  @ArrayMinSize(2, { message: 'options must list at least 2 answers' })
  @ArrayMaxSize(50, { message: 'options must list at most 50 answers' })
  @IsString({ each: true, message: 'options must be an array of strings' })
  @Length(1, 100, { each: true, message: 'each option must be 1 to 100 characters' })
  options: string[];
}

export class PollVoteRequest {
  @IsString({ message: 'poll_id must be a string' })
  @Length(1, 40, { message: 'poll_id must be 1 to 40 characters' })
  poll_id: string;

  @IsInt({ message: 'option must be an integer (the index of the chosen answer)' })
  @Min(0, { message: 'option must be >= 0' })
  option: number;
}

/** One poll as every member sees it (the answer of both commands, and the stream entries' data). */
export class PollViewDto {
  @IsString()
  poll_id: string;

  @IsString()
  conversation_id: string;

  @IsString()
  creator_id: string;

  @IsString()
  question: string;

  @IsArray()
  @IsString({ each: true })
  options: string[];

  @JSONSchema({ description: 'Votes per option, in the order of `options`.' })
  @IsArray()
  @IsInt({ each: true })
  votes: number[];

  @JSONSchema({ description: 'Unix seconds.' })
  @IsInt()
  created_at: number;
}

/** poll/create and poll/vote success payload. */
export class PollResponse extends ResponseStatusDto {
  @ValidateNested()
  @Type(() => PollViewDto)
  poll: PollViewDto;
}

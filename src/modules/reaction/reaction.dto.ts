/**
 * reaction/add and reaction/remove payloads; the global validation pipe answers a bad one with
 * 400 VALIDATION_FAILED naming the field.
 */
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsInt, IsOptional, IsString, Length, Min, Validate, ValidateNested, ValidatorConstraint, ValidatorConstraintInterface, ValidationArguments } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { ResponseStatusDto } from '../../shared/protocol/messages/envelope.messages';
import { reactionProblem } from './reaction.emoji';

@ValidatorConstraint({ name: 'reactionEmoji' })
class ReactionEmojiConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && reactionProblem(value) === undefined;
  }
  defaultMessage(args: ValidationArguments): string {
    return `emoji ${typeof args.value === 'string' ? reactionProblem(args.value) : 'must be a string'}`;
  }
}

export class ReactionRequest {
  @IsString({ message: 'conversation_id must be a string' })
  @Length(1, 64, { message: 'conversation_id must be 1 to 64 characters' })
  conversation_id: string;

  @JSONSchema({ description: 'The seq of the message in the conversation.' })
  @IsInt({ message: 'seq must be a positive integer (the seq of the message)' })
  @Min(1, { message: 'seq must be a positive integer (the seq of the message)' })
  seq: number;

  @JSONSchema({ description: 'One emoji grapheme ("👍", "👍🏽", "🇫🇷") or a :shortcode: (":party_parrot:").' })
  @Validate(ReactionEmojiConstraint)
  emoji: string;
}

/** One emoji on a message: how many reacted with it, and whether I did. */
export class ReactionCountDto {
  @IsString()
  emoji: string;

  @IsInt()
  count: number;

  @IsBoolean()
  me: boolean;
}

/** reaction/add and reaction/remove success payload. */
export class ReactionResponse extends ResponseStatusDto {
  @IsString()
  conversation_id: string;

  @IsInt()
  seq: number;

  @JSONSchema({ description: 'The reactions of the message now, most used first.' })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ReactionCountDto)
  reactions: ReactionCountDto[];

  @JSONSchema({ description: 'The `reaction.added` / `reaction.removed` entry appended to the stream; absent when nothing changed.' })
  @IsOptional()
  entry?: Record<string, unknown>;
}

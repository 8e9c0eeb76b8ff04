/**
 * The frame envelope (draft §1) as class-validator classes, for the SDK, for tests and for the
 * generated JSON Schema (`schemas/base.json`). The server does NOT run these per frame: the hot
 * path uses the hand-written `validateEnvelope` in validator.ts, whose rules these mirror (keep
 * the two in sync; test/unit/protocol/messages.spec.ts checks they agree).
 */
import { Type } from 'class-transformer';
import {
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { MAX_COMMAND_LENGTH, MAX_ID_LENGTH } from '../validator';

export const FRAME_TYPES = ['request', 'response', 'event'] as const;

@JSONSchema({
  description: 'Optional metadata: protocol version, client build, bearer token. Other keys are allowed.',
  additionalProperties: true,
})
export class HeadersDto {
  @JSONSchema({ description: 'Protocol version the client speaks; absent means "1.0".' })
  @IsOptional()
  @IsString()
  @Matches(/^\d+(\.\d+)*$/, { message: 'version must look like "1.0"' })
  version?: string;

  @JSONSchema({ description: 'Client name and build, e.g. "cli-0.1.0".' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  client?: string;

  @JSONSchema({ description: '"Bearer <token>" on every request after auth/login.' })
  @IsOptional()
  @IsString()
  @Matches(/^Bearer \S+$/, { message: 'Authorization must be "Bearer <token>"' })
  Authorization?: string;

  @JSONSchema({ description: 'Server → client: protocol versions this server accepts (sent with 426).' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  supported_versions?: string[];
}

export class EnvelopeDto {
  @JSONSchema({ description: 'Unique per request; the response echoes it.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_ID_LENGTH)
  id: string;

  @JSONSchema({ description: 'request (default), response or event.', default: 'request' })
  @IsOptional()
  @IsIn(FRAME_TYPES)
  type?: (typeof FRAME_TYPES)[number];

  @JSONSchema({ description: 'Unix time in seconds.' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  timestamp?: number;

  @JSONSchema({ description: '"domain/action" ("domain.action" accepted as an alias).' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_COMMAND_LENGTH)
  command: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => HeadersDto)
  headers?: HeadersDto;

  @JSONSchema({ description: 'Command-specific data; absent means {}.', type: 'object' })
  @IsOptional()
  @IsObject()
  payload?: Record<string, unknown>;
}

/** Every response payload carries a status (draft §1.2). */
export class ResponseStatusDto {
  @JSONSchema({ description: 'HTTP-like status: 200, 202, 400, 401, 403, 404, 409, 413, 426, 429, 500, 503.' })
  @IsInt()
  status: number;
}

/** The payload of every failed response (draft §6) and of control/error. */
export class ErrorPayloadDto extends ResponseStatusDto {
  @JSONSchema({ description: 'Stable machine-readable code, e.g. VALIDATION_FAILED (see errors.ts).' })
  @IsString()
  @IsNotEmpty()
  error_code: string;

  @JSONSchema({ description: 'Human-readable explanation of what to fix.' })
  @IsString()
  error_message: string;
}

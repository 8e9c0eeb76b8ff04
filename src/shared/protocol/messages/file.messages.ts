/**
 * File transfer negotiation on the control channel (draft §2.4). The data itself travels as TLV
 * frames on a separate channel (framing.ts); `FileAckDto` is also the JSON body of a TLV ACK.
 */
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { ResponseStatusDto } from './envelope.messages';

export const FILE_TARGET_TYPES = ['user', 'group'] as const;
export const FILE_TRANSFER_MODES = ['passive', 'active'] as const;
export const FILE_ENCRYPTIONS = ['none', 'aes-gcm'] as const;
export const MAX_FILE_NAME_LENGTH = 255;

export class FileTargetDto {
  @JSONSchema({ description: 'user or group.' })
  @IsIn(FILE_TARGET_TYPES)
  type: (typeof FILE_TARGET_TYPES)[number];

  @JSONSchema({ description: 'User id (u-...) or group id (g-...).' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  id: string;
}

export class FileResumeDto {
  @JSONSchema({ description: 'The interrupted transfer to resume.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  transfer_id: string;

  @JSONSchema({ description: 'Byte offset the client already holds.' })
  @IsInt()
  @Min(0)
  offset: number;
}

/** file/request (client → server): ask to send a file. */
export class FileRequestDto {
  @JSONSchema({ description: 'Base name only, no directory part.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_FILE_NAME_LENGTH)
  @Matches(/^[^/\\\0]+$/, { message: 'file_name must be a base name without "/", "\\" or NUL' })
  file_name: string;

  @JSONSchema({ description: 'Size in bytes.' })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  file_size: number;

  @JSONSchema({ description: '"<algorithm>:<digest>", e.g. "sha256:9f86d0...".' })
  @IsString()
  @MaxLength(256)
  @Matches(/^[a-z0-9-]+:\S+$/, { message: 'hash must look like "sha256:<digest>"' })
  hash: string;

  // @ValidateNested alone lets a missing object through: @IsObject makes it required.
  @IsObject()
  @ValidateNested()
  @Type(() => FileTargetDto)
  target: FileTargetDto;

  @JSONSchema({ description: 'Present (with a transfer_id) to resume an interrupted transfer.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => FileResumeDto)
  resume?: FileResumeDto;

  @JSONSchema({ description: 'Requested data-channel encryption (draft §5), default none.' })
  @IsOptional()
  @IsIn(FILE_ENCRYPTIONS)
  encryption?: (typeof FILE_ENCRYPTIONS)[number];
}

export class FileEndpointDto {
  @IsString()
  @IsNotEmpty()
  host: string;

  @IsInt()
  @Min(1)
  @Max(65535)
  port: number;

  @JSONSchema({ description: 'tcp or tls.' })
  @IsIn(['tcp', 'tls'])
  protocol: 'tcp' | 'tls';
}

/**
 * The answer to file/request and the body of the file/accept event: where and how to open the
 * data channel.
 */
export class FileAcceptDto extends ResponseStatusDto {
  @IsString()
  @IsNotEmpty()
  transfer_id: string;

  @JSONSchema({ description: 'passive: the client connects to the server; active: direct connection.' })
  @IsIn(FILE_TRANSFER_MODES)
  mode: (typeof FILE_TRANSFER_MODES)[number];

  @IsObject()
  @ValidateNested()
  @Type(() => FileEndpointDto)
  endpoint: FileEndpointDto;

  @JSONSchema({ description: 'Size of each TLV data block in bytes.' })
  @IsInt()
  @Min(1)
  chunk_size: number;

  @JSONSchema({ description: 'Byte offset to (re)start from; 0 for a new transfer.' })
  @IsInt()
  @Min(0)
  resume_offset: number;

  @IsOptional()
  @IsIn(FILE_ENCRYPTIONS)
  encryption?: (typeof FILE_ENCRYPTIONS)[number];
}

/** file/ack (both directions) and the JSON payload of a TLV ACK frame (type 0x02). */
export class FileAckDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  transfer_id: string;

  @JSONSchema({ description: 'Bytes received and stored so far (the next expected offset).' })
  @IsInt()
  @Min(0)
  offset: number;

  @JSONSchema({ description: '200 when the block was stored; an error status otherwise.' })
  @IsInt()
  status: number;
}

/** file/cancel (both directions): abort a transfer and free its resources. */
export class FileCancelDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  transfer_id: string;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  reason?: string;
}

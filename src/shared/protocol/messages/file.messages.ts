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
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { FILE_NAME_PATTERN, FILE_NAME_RULE } from '../file-names';
import { ResponseStatusDto } from './envelope.messages';
import { Strict } from './response-fields';

export const FILE_TARGET_TYPES = ['user', 'group'] as const;
export const FILE_TRANSFER_MODES = ['passive', 'active'] as const;
export const FILE_ENCRYPTIONS = ['none', 'aes-gcm'] as const;
export const FILE_DIRECTIONS = ['upload', 'download'] as const;
/** `sha256:` and 64 lower-case hex digits: the only hash the server verifies. */
export const FILE_HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;
const isUpload = (o: { direction?: string }) => o.direction !== 'download';
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

export class FileEndpointDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
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
 * file/request (client → server): ask to upload a file (the default) or, with
 * `direction: "download"` and `file_id`, to download one. Upload fields are required for uploads only.
 */
// draft-07 if/then/else (the decorator's OpenAPI typing does not list them): which fields are required depends on direction.
@JSONSchema({
  if: { properties: { direction: { const: 'download' } }, required: ['direction'] },
  then: { required: ['file_id'] },
  else: { required: ['file_name', 'file_size', 'hash', 'target'] },
} as Parameters<typeof JSONSchema>[0])
export class FileRequestDto {
  @JSONSchema({ description: 'upload (default) or download.' })
  @IsOptional()
  @IsIn(FILE_DIRECTIONS)
  direction?: (typeof FILE_DIRECTIONS)[number];

  @JSONSchema({ description: 'Download: the file to fetch (from a file-ref message or file/ack).' })
  @ValidateIf((o: { direction?: string }) => o.direction === 'download')
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  file_id?: string;

  @JSONSchema({
    description:
      'passive (default): the client connects to the server. active: a direct connection between the two clients (an upload to one user; the sender listens at `endpoint`); 400 MODE_NOT_SUPPORTED when the server has FILE_ACTIVE_MODE=off.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  mode?: string;

  // mode "active" only: where the sending client listens for its peer (protocol "tcp"). (No
  // description here: next to the $ref it would be ignored by draft-07 validators.)
  @ValidateIf((o: { mode?: string }) => o.mode === 'active')
  @IsObject()
  @ValidateNested()
  @Type(() => FileEndpointDto)
  endpoint?: FileEndpointDto;

  @JSONSchema({ description: 'Upload: base name only, no directory part, no control or bidirectional-control characters; stored in Unicode NFC.' })
  @ValidateIf(isUpload)
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_FILE_NAME_LENGTH)
  @Matches(FILE_NAME_PATTERN, { message: `file_name must be ${FILE_NAME_RULE}` })
  file_name: string;

  @JSONSchema({ description: 'Upload: size in bytes.' })
  @ValidateIf(isUpload)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  file_size: number;

  @JSONSchema({ description: 'Upload: "sha256:" and the 64 lower-case hex digits of the whole file (the server verifies sha256 only).' })
  @ValidateIf(isUpload)
  @IsString()
  @MaxLength(256)
  @Matches(/^[a-z0-9-]+:\S+$/, { message: 'hash must look like "sha256:<digest>"' })
  hash: string;

  @JSONSchema({ description: 'Upload: optional media type, copied into the file-ref message.' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  mime?: string;

  @JSONSchema({ description: 'Upload: who receives the file-ref message once the upload completes.' })
  // @ValidateNested alone lets a missing object through: @IsObject makes it required.
  @ValidateIf(isUpload)
  @IsObject()
  @ValidateNested()
  @Type(() => FileTargetDto)
  target: FileTargetDto;

  @JSONSchema({ description: 'Present (with a transfer_id) to resume an interrupted transfer.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => FileResumeDto)
  resume?: FileResumeDto;

  @JSONSchema({ description: 'Data-channel encryption: aes-gcm seals every data payload with a per-transfer key (HKDF of the PAYLOAD_KEYS key and the transfer id); default none.' })
  @IsOptional()
  @IsIn(FILE_ENCRYPTIONS)
  encryption?: (typeof FILE_ENCRYPTIONS)[number];
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

  @JSONSchema({ description: 'With encryption: id of the pre-shared key (PAYLOAD_KEYS) the transfer key derives from.' })
  @IsOptional()
  @IsString()
  key_id?: string;

  @IsOptional()
  @IsIn(FILE_DIRECTIONS)
  direction?: (typeof FILE_DIRECTIONS)[number];

  @JSONSchema({ description: 'Download: the file; upload: set once known (instant upload).' })
  @IsOptional()
  @IsString()
  file_id?: string;

  @JSONSchema({ description: 'Download: the file size in bytes.' })
  @IsOptional()
  @IsInt()
  file_size?: number;

  @JSONSchema({
    description:
      'Download: most bytes the server sends without an ACK (FILE_WINDOW_BYTES); ACK at least every quarter of it to keep data flowing.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  window_bytes?: number;

  @JSONSchema({ description: 'mode "active": the one-time transfer token the receiving client sends in its OPEN frame to the sender\'s listener.' })
  @IsOptional()
  @IsString()
  token?: string;

  @JSONSchema({ description: 'mode "active": give up the direct connection and fall back to passive after this many ms (FILE_ACTIVE_TIMEOUT_MS).' })
  @IsOptional()
  @IsInt()
  fallback_after_ms?: number;

  @JSONSchema({ description: 'mode "active", in the file/accept event to the receiver: the sender, and the file offered.' })
  @IsOptional()
  @IsString()
  from?: string;

  @IsOptional()
  @IsString()
  file_name?: string;

  @IsOptional()
  @IsString()
  hash?: string;
}

/** file/ack request (client → server): ask the durable offset of a transfer. */
export class FileAckRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  transfer_id: string;

  @JSONSchema({ description: 'mode "active" only: "complete" records that this side finished (the sender sent every byte, the receiver verified sha256).' })
  @IsOptional()
  @IsIn(['complete'])
  state?: 'complete';
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

  @JSONSchema({ description: 'The finished file (upload complete).' })
  @IsOptional()
  @IsString()
  file_id?: string;

  @JSONSchema({ description: 'With an error status: the error code, e.g. HASH_MISMATCH.' })
  @IsOptional()
  @IsString()
  error_code?: string;

  @IsOptional()
  @IsString()
  error_message?: string;
}

/**
 * The JSON payload of a TLV OPEN frame (type 0x03): the first frame on a data connection.
 * Authenticated with the control channel's access token.
 */
export class FileOpenDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  transfer_id: string;

  @JSONSchema({ description: 'The access token (as in headers.Authorization, without "Bearer ").' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(8192)
  token: string;

  @JSONSchema({ description: 'Download: where to start (bytes the client already holds); default 0. Ignored for uploads.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  offset?: number;
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

/** file/cancel success (also when the transfer was already cancelled). */
@Strict()
export class FileCancelResponse extends ResponseStatusDto {
  @IsString()
  transfer_id: string;

  @IsIn(['cancelled'])
  state: 'cancelled';
}

/** file/request answered 202: the transfer waits for a free slot; file/accept follows. */
@Strict()
export class FileQueuedDto extends ResponseStatusDto {
  @IsString()
  transfer_id: string;

  @IsIn([true])
  queued: true;

  @JSONSchema({ description: 'Why it waits (FILE_MAX_CONCURRENT), for people.' })
  @IsString()
  message: string;
}

/**
 * file/request success: the data channel (200, as FileAcceptDto; mode "active" answers the
 * sender with direction "upload") or, when the user's transfer slots are taken, 202 FileQueuedDto.
 */
@JSONSchema(() => ({
  description: 'The data channel (200, FileAcceptDto) or a queued notice (202, FileQueuedDto; file/accept follows).',
  anyOf: [{ $ref: '#/definitions/FileAcceptDto' }, { $ref: '#/definitions/FileQueuedDto' }],
}))
export class FileRequestResponse {
  // The whole schema is the anyOf above; this field only gives the class validation metadata.
  @IsIn([200, 202])
  status: 200 | 202;
}

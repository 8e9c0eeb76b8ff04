/**
 * notification/event (server → client, draft §2.5): business notifications such as group
 * membership changes. Only `type` is fixed; each type carries its own fields, documented by the
 * module that emits it (see docs/protocol.md).
 */
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsInt, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { ResponseStatusDto } from './envelope.messages';
import { PageCursor, PageLimit } from './paging';
import { NullOr, Strict } from './response-fields';

@JSONSchema({
  description: 'A business notification; fields other than type depend on the type.',
  additionalProperties: true,
})
export class NotificationEventDto {
  @JSONSchema({ description: 'Dotted or slashed name, e.g. "group.member_added".' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  @Matches(/^[a-z][a-z0-9_./-]*$/, { message: 'type must be lower-case, e.g. "group.member_added"' })
  type: string;

  @JSONSchema({ description: 'Stable id (n-...): notification/ack takes it (durable notifications).' })
  @IsString()
  notification_id: string;

  @JSONSchema({ description: 'Unix seconds.' })
  @IsInt()
  sent_at: number;

  @IsInt()
  sent_at_ms: number;

  @JSONSchema({ description: 'true: kept until acknowledged with notification/ack (offered again at login).' })
  @IsOptional()
  @IsBoolean()
  durable?: boolean;

  @JSONSchema({ description: 'true: a durable notification offered again after login.' })
  @IsOptional()
  @IsBoolean()
  replayed?: boolean;

  [field: string]: unknown;
}

export const NOTIFICATION_ACK_MAX_IDS = 100;
export const NOTIFICATION_LIST_MAX_LIMIT = 100;
export const NOTIFICATION_ID_PATTERN = /^n-[A-Za-z0-9-]{1,60}$/;

/** notification/ack: the durable notifications this user has handled (they are not offered again). */
export class NotificationAckRequest {
  @IsArray({ message: 'notification_ids must be an array of notification ids' })
  @ArrayMinSize(1, { message: 'notification_ids must list at least one id' })
  @ArrayMaxSize(NOTIFICATION_ACK_MAX_IDS, { message: `notification_ids must list at most ${NOTIFICATION_ACK_MAX_IDS} ids` })
  @Matches(NOTIFICATION_ID_PATTERN, { each: true, message: 'notification_ids must hold ids such as "n-3f9c..." taken from notification/event' })
  notification_ids: string[];
}

/** notification/list: my durable notifications not acked yet, oldest first. */
export class NotificationListRequest {
  @PageCursor()
  cursor?: string;

  @PageLimit(NOTIFICATION_LIST_MAX_LIMIT)
  limit?: number;
}

/** A notification/event payload as listed by notification/list. */
export type NotificationPayload = { notification_id: string; type: string; sent_at: number; sent_at_ms: number; durable?: boolean } & Record<string, unknown>;

/** notification/ack success. */
@Strict()
export class NotificationAckResponse extends ResponseStatusDto {
  @JSONSchema({ description: 'How many of the given notifications were pending (and are acknowledged now).' })
  @IsInt()
  acked: number;
}

/** notification/list success: pending durable notifications, oldest first, as notification/event carried them. */
@Strict()
export class NotificationListResponse extends ResponseStatusDto {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => NotificationEventDto)
  notifications: NotificationEventDto[];

  @IsBoolean()
  has_more: boolean;

  @NullOr('string', 'Pass as cursor for the next page; null on the last one.')
  next_cursor: string | null;
}

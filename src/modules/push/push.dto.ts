/**
 * push/register, push/unregister and push/settings payloads (validated by the global pipe: a bad
 * payload is 400 VALIDATION_FAILED naming the field).
 */
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { ResponseStatusDto } from '../../shared/protocol/messages/envelope.messages';
import { NullOrRef, Strict } from '../../shared/protocol/messages/response-fields';

export const PUSH_PLATFORMS = ['fcm', 'apns', 'webpush', 'webhook'] as const;
export type PushPlatform = (typeof PUSH_PLATFORMS)[number];
export const PUSH_LEVELS = ['all', 'mentions', 'none'] as const;
export type PushLevel = (typeof PUSH_LEVELS)[number];

export class PushRegisterRequest {
  @JSONSchema({ description: 'fcm (Android/Firebase), apns (iOS), webpush (browsers, RFC 8030 + VAPID) or webhook (the operator\'s push gateway).' })
  @IsIn(PUSH_PLATFORMS as unknown as string[], { message: 'platform must be one of fcm, apns, webpush, webhook' })
  platform: PushPlatform;

  @JSONSchema({ description: 'The provider\'s device token; for webpush the PushSubscription as JSON ({endpoint, keys: {p256dh, auth}}).' })
  @IsString({ message: 'token must be a string' })
  @Length(1, 4096, { message: 'token must be 1 to 4096 characters' })
  token: string;

  @JSONSchema({ description: 'The app (APNs bundle id / topic, FCM package); default: the server\'s.' })
  @IsOptional()
  @IsString({ message: 'app_id must be a string' })
  @Length(1, 200, { message: 'app_id must be 1 to 200 characters' })
  app_id?: string;

  @JSONSchema({ description: 'BCP 47 language of the device (e.g. fr-FR).' })
  @IsOptional()
  @IsString({ message: 'locale must be a string' })
  @Matches(/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,3}$/, { message: 'locale must be a BCP 47 tag such as en or fr-FR' })
  locale?: string;
}

@Strict()
export class PushRegisterResponse extends ResponseStatusDto {
  @IsString()
  device_id: string;
}

export class PushUnregisterRequest {
  @JSONSchema({ description: 'The token to remove; omitted: every token this session registered.' })
  @IsOptional()
  @IsString({ message: 'token must be a string' })
  @Length(1, 4096, { message: 'token must be 1 to 4096 characters' })
  token?: string;

  @JSONSchema({ description: 'With token: its platform (default: any of mine).' })
  @IsOptional()
  @IsIn(PUSH_PLATFORMS as unknown as string[], { message: 'platform must be one of fcm, apns, webpush, webhook' })
  platform?: PushPlatform;
}

@Strict()
export class PushUnregisterResponse extends ResponseStatusDto {
  @JSONSchema({ description: 'How many tokens were removed.' })
  @IsInt()
  removed: number;
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

@Strict()
export class QuietHoursDto {
  @Matches(HHMM, { message: 'quiet_hours.start must be HH:MM (24 h)' })
  start: string;

  @Matches(HHMM, { message: 'quiet_hours.end must be HH:MM (24 h)' })
  end: string;

  @JSONSchema({ description: 'IANA time zone, e.g. Europe/Paris.' })
  @IsString({ message: 'quiet_hours.time_zone must be a string' })
  @Length(1, 64, { message: 'quiet_hours.time_zone must be 1 to 64 characters' })
  time_zone: string;
}

export class PushSettingsRequest {
  @JSONSchema({ description: 'all, mentions (mentions and direct messages only) or none. Omitted: unchanged.' })
  @IsOptional()
  @IsIn(PUSH_LEVELS as unknown as string[], { message: 'level must be one of all, mentions, none' })
  level?: PushLevel;

  @JSONSchema({ description: 'No push between start and end local time (a range may cross midnight). Omitted: unchanged.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => QuietHoursDto)
  quiet_hours?: QuietHoursDto;

  @JSONSchema({ description: 'true removes the quiet hours.' })
  @IsOptional()
  @IsBoolean({ message: 'clear_quiet_hours must be true or false' })
  clear_quiet_hours?: boolean;
}

@Strict()
export class PushSettingsResponse extends ResponseStatusDto {
  @IsIn(PUSH_LEVELS as unknown as string[])
  level: PushLevel;

  @NullOrRef(QuietHoursDto, 'The quiet hours; null: none.')
  quiet_hours: QuietHoursDto | null;
}

/**
 * Payloads of the auth commands (client → server), field names exactly as in the protocol draft
 * (snake_case). Pure class-validator classes so the SDK and the server share them.
 */
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsDefined, IsIn, IsInt, IsNotEmpty, IsNumber, IsObject, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { ResponseStatusDto } from './envelope.messages';
import { NullOr, Strict } from './response-fields';

/** 3–32 characters of letters, digits, `_`, `.` and `-`; unique case-insensitively. */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,32}$/;
export const USERNAME_RULE = 'username must be 3-32 characters of letters, digits, "_", "." or "-"';
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;
export const PASSWORD_RULE = `password must be ${PASSWORD_MIN_LENGTH}-${PASSWORD_MAX_LENGTH} characters and must not equal the username`;

export class RegisterRequest {
  @IsString()
  @Matches(USERNAME_PATTERN, { message: USERNAME_RULE })
  username: string;

  /** Length rules are checked by the service (answering WEAK_PASSWORD); here only the type. */
  @IsString({ message: 'password must be a string' })
  @MaxLength(PASSWORD_MAX_LENGTH, { message: PASSWORD_RULE })
  password: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64, { message: 'display_name must be at most 64 characters' })
  display_name?: string;
}

export class ClientInfo {
  /** Device kind or name, e.g. "windows", "ios", "alice-laptop". Sessions are per device. */
  @IsString()
  @IsNotEmpty({ message: 'client_info.device must be a non-empty string such as "windows"' })
  @MaxLength(64)
  device: string;

  /** Client build, e.g. "cli-0.1.0". */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  version?: string;
}

/** Password fields are for Switchboard's own accounts and LDAP; an ID-token login has none. */
const needsPassword = (o: LoginRequest) => o.id_token === undefined;

export class LoginRequest {
  @ValidateIf(needsPassword)
  @IsString({ message: 'username must be a string' })
  @IsNotEmpty({ message: 'username must not be empty' })
  @MaxLength(64)
  username?: string;

  @ValidateIf(needsPassword)
  @IsString({ message: 'password must be a string' })
  @IsNotEmpty({ message: 'password must not be empty' })
  @MaxLength(PASSWORD_MAX_LENGTH)
  password?: string;

  /**
   * A company sign-in provider listed by auth/providers (e.g. "ldap" with username + password,
   * an OIDC provider with id_token). Absent: Switchboard's own password.
   */
  @IsOptional()
  @IsString({ message: 'provider must be a provider name listed by auth/providers' })
  @Matches(/^[a-z0-9][a-z0-9_-]{0,31}$/, { message: 'provider must be a provider name listed by auth/providers' })
  provider?: string;

  /** An OpenID Connect ID token the client obtained itself (browser flow with PKCE); needs provider. */
  @IsOptional()
  @IsString({ message: 'id_token must be the compact JWT the provider issued' })
  @IsNotEmpty({ message: 'id_token must not be empty' })
  @MaxLength(16_384)
  id_token?: string;

  /** The nonce the client put in its authorization request: the token must carry it, and only once. */
  @IsOptional()
  @IsString({ message: 'nonce must be a string' })
  @IsNotEmpty({ message: 'nonce must not be empty' })
  @MaxLength(256)
  nonce?: string;

  @IsDefined({ message: 'client_info is required: {"device": "...", "version": "..."}' })
  @IsObject({ message: 'client_info must be an object {"device": "...", "version": "..."}' })
  @ValidateNested()
  @Type(() => ClientInfo)
  client_info: ClientInfo;
}

export class RefreshRequest {
  @IsString({ message: 'refresh_token must be the string returned by auth/login or auth/refresh' })
  @IsNotEmpty({ message: 'refresh_token must not be empty' })
  @MaxLength(256)
  refresh_token: string;
}

export class LogoutRequest {
  /** Also revoke every other session of the user (other devices are kicked). */
  @IsOptional()
  @IsBoolean({ message: 'all_devices must be true or false' })
  all_devices?: boolean;
}

export class KickRequest {
  @IsString()
  @IsNotEmpty({ message: 'user_id is required' })
  @MaxLength(64)
  user_id: string;

  /** One session to revoke; without it every session of the user is revoked. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  session_id?: string;
}

export class SessionsRequest {
  /** Admins may list another user's sessions; users only their own (the default). */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  user_id?: string;
}

/** Reasons carried by the server's `auth/kick` event. */
export const KickReasons = ['replaced', 'admin', 'revoked', 'logout_all_devices', 'refresh_reused', 'user_disabled', 'provider_logout'] as const;
export type KickReason = (typeof KickReasons)[number];

/** Server → client `auth/kick` event payload (documentation type; not validated). */
@Strict()
export class KickEvent {
  @IsIn(KickReasons as unknown as string[])
  reason: KickReason;

  @IsString()
  session_id: string;
}

// ---- server → client payloads (the generated schemas, docs/asyncapi.yaml and the SDK's types) ----

/** auth/register success: the new account. */
@Strict()
export class RegisterResponse extends ResponseStatusDto {
  @IsString()
  user_id: string;

  @IsString()
  username: string;

  @JSONSchema({ description: 'The username when none was given.' })
  @IsString()
  display_name: string;
}

/** The tokens of a session, as auth/login and auth/refresh issue them. */
export class SessionTokensResponse extends ResponseStatusDto {
  @JSONSchema({ description: 'Access token: send it as headers.Authorization "Bearer <token>".' })
  @IsString()
  token: string;

  @JSONSchema({ description: 'One-time refresh token for auth/refresh (rotated on every use).' })
  @IsString()
  refresh_token: string;

  @JSONSchema({ description: 'Access token lifetime, seconds.' })
  @IsInt()
  expires_in: number;

  @JSONSchema({ description: 'Refresh token lifetime, seconds.' })
  @IsInt()
  refresh_expires_in: number;

  @IsString()
  session_id: string;

  @IsString()
  user_id: string;
}

/** auth/refresh success: the session's new tokens. */
@Strict()
export class RefreshResponse extends SessionTokensResponse {}

/** auth/login success: the session's tokens and the heartbeat interval to keep. */
@Strict()
export class LoginResponseDto extends SessionTokensResponse {
  @JSONSchema({ description: 'Send presence/heartbeat about this often (seconds; may be fractional, e.g. 0.5).' })
  @IsNumber()
  heartbeat_interval: number;
}

/** auth/logout and auth/kick success: the sessions revoked. */
@Strict()
export class RevokedSessionsResponse extends ResponseStatusDto {
  @IsArray()
  @IsString({ each: true })
  revoked_sessions: string[];
}

/** One active session (device) of a user. */
@Strict({ nested: true })
export class SessionInfoDto {
  @IsString()
  session_id: string;

  @IsString()
  device: string;

  @NullOr('string', 'Client build given at login; null when none.')
  client_version: string | null;

  @NullOr('string', 'Address the session logged in from; null when unknown.')
  remote_address: string | null;

  @JSONSchema({ description: 'Unix seconds.' })
  @IsInt()
  created_at: number;

  @JSONSchema({ description: 'Unix seconds of the last refresh or login.' })
  @IsInt()
  last_used_at: number;

  @JSONSchema({ description: 'Unix seconds.' })
  @IsInt()
  expires_at: number;

  @JSONSchema({ description: 'true for the session this request came on.' })
  @IsBoolean()
  current: boolean;
}

/** auth/sessions success. */
@Strict()
export class SessionsResponse extends ResponseStatusDto {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => SessionInfoDto)
  sessions: SessionInfoDto[];
}

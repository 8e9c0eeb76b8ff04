/**
 * Payloads of the identity module's commands (auth/providers, auth/oidc-start, auth/oidc-poll).
 * The response classes are what the generated schemas, docs/asyncapi.yaml and the SDK describe.
 */
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsDefined, IsIn, IsInt, IsNotEmpty, IsNumber, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { ClientInfo } from '../../shared/protocol/messages/auth.messages';
import { ResponseStatusDto } from '../../shared/protocol/messages/envelope.messages';
import { Strict } from '../../shared/protocol/messages/response-fields';

/** One enabled company sign-in provider (auth/providers). */
@Strict()
export class ProviderView {
  @JSONSchema({ description: 'What to send as `provider` in auth/login or auth/oidc-start.' })
  @IsString()
  name: string;

  @IsIn(['ldap', 'oidc'])
  type: string;

  @JSONSchema({ description: 'Label of the sign-in button.' })
  @IsString()
  display_name: string;

  @JSONSchema({ description: 'auth/login takes {provider, username, password}.' })
  @IsBoolean()
  password: boolean;

  @JSONSchema({ description: 'auth/login takes {provider, id_token, nonce?}.' })
  @IsBoolean()
  id_token: boolean;

  @JSONSchema({ description: 'auth/oidc-start + auth/oidc-poll sign in without a browser on this device (RFC 8628).' })
  @IsBoolean()
  device_flow: boolean;
}

@Strict()
export class ProvidersResponse extends ResponseStatusDto {
  @JSONSchema({ description: "Switchboard's own passwords in auth/login (AUTH_PASSWORD_LOGIN)." })
  @IsIn(['on', 'off', 'admins-only'])
  password_login: 'on' | 'off' | 'admins-only';

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ProviderView)
  providers: ProviderView[];
}

export class OidcStartRequest {
  @IsString({ message: 'provider must be an OpenID Connect provider listed by auth/providers' })
  @Matches(/^[a-z0-9][a-z0-9_-]{0,31}$/, { message: 'provider must be an OpenID Connect provider listed by auth/providers' })
  provider: string;

  @IsDefined({ message: 'client_info is required: {"device": "...", "version": "..."}' })
  @IsObject({ message: 'client_info must be an object {"device": "...", "version": "..."}' })
  @ValidateNested()
  @Type(() => ClientInfo)
  client_info: ClientInfo;
}

@Strict()
export class OidcStartResponse extends ResponseStatusDto {
  @JSONSchema({ description: 'Pass it to auth/oidc-poll, on this connection (the grant is bound to it).' })
  @IsString()
  handle: string;

  @JSONSchema({ description: 'The code the user types at verification_uri.' })
  @IsString()
  user_code: string;

  @JSONSchema({ description: 'Where the user signs in, on any device with a browser.' })
  @IsString()
  verification_uri: string;

  @JSONSchema({ description: 'verification_uri with the code filled in (e.g. for a QR code), when the provider gives one.' })
  @IsOptional()
  @IsString()
  verification_uri_complete?: string;

  @JSONSchema({ description: 'Seconds until the code expires.' })
  @IsInt()
  expires_in: number;

  @JSONSchema({ description: 'Seconds to wait between auth/oidc-poll calls.' })
  @IsInt()
  interval: number;
}

export class OidcPollRequest {
  @IsString({ message: 'handle must be the handle auth/oidc-start returned' })
  @IsNotEmpty({ message: 'handle must be the handle auth/oidc-start returned' })
  @MaxLength(64)
  handle: string;
}

/**
 * auth/oidc-poll: `pending` (ask again after `interval` seconds), `slow_down` (too early: the
 * interval grew), `denied` / `expired` (start again) or `done` with the session's tokens (as
 * auth/login; this connection is now logged in).
 */
@Strict()
export class OidcPollResponse extends ResponseStatusDto {
  @IsIn(['pending', 'slow_down', 'denied', 'expired', 'done'])
  state: 'pending' | 'slow_down' | 'denied' | 'expired' | 'done';

  @JSONSchema({ description: 'pending / slow_down: seconds to wait before polling again.' })
  @IsOptional()
  @IsInt()
  interval?: number;

  @IsOptional()
  @IsString()
  token?: string;

  @IsOptional()
  @IsString()
  refresh_token?: string;

  @IsOptional()
  @IsInt()
  expires_in?: number;

  @IsOptional()
  @IsInt()
  refresh_expires_in?: number;

  @IsOptional()
  @IsString()
  session_id?: string;

  @IsOptional()
  @IsString()
  user_id?: string;

  @IsOptional()
  @IsNumber()
  heartbeat_interval?: number;
}

import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsString, ValidateNested } from 'class-validator';
import { ResponseStatusDto } from '../../shared/protocol/messages/envelope.messages';

/** One enabled company sign-in provider (auth/providers). */
export class ProviderView {
  /** What to send as `provider` in auth/login or auth/oidc/start. */
  @IsString()
  name: string;

  @IsIn(['ldap', 'oidc'])
  type: string;

  /** Shown on the sign-in button. */
  @IsString()
  display_name: string;

  /** auth/login takes {provider, username, password}. */
  @IsBoolean()
  password: boolean;

  /** auth/login takes {provider, id_token, nonce?}. */
  @IsBoolean()
  id_token: boolean;

  /** auth/oidc/start + auth/oidc/poll sign in without a browser on this device (RFC 8628). */
  @IsBoolean()
  device_flow: boolean;
}

export class ProvidersResponse extends ResponseStatusDto {
  /** Switchboard's own passwords in auth/login (AUTH_PASSWORD_LOGIN). */
  @IsIn(['on', 'off', 'admins-only'])
  password_login: 'on' | 'off' | 'admins-only';

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ProviderView)
  providers: ProviderView[];
}

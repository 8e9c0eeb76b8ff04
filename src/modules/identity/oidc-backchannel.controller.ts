import { Body, Controller, Header, HttpCode, HttpException, Param, Post } from '@nestjs/common';
import { ProtocolError } from '../../shared/protocol';
import { IdentityService } from './identity.service';

/**
 * OIDC Back-Channel Logout 1.0 receiver on the HTTP ops port (HTTP_PORT, next to /health and
 * /metrics): the provider POSTs `logout_token=<JWT>` (application/x-www-form-urlencoded) to
 * `/identity/oidc/<provider>/backchannel-logout` when a user signs out there or is disabled.
 * A verified token (signature, iss, aud, iat, the logout event, sub, no nonce) revokes every
 * session of the user linked to (provider, sub) and kicks them on every node
 * (`auth/kick {reason: "provider_logout"}`). Answers 200 (also for an unknown user: nothing to
 * do), 400 `invalid_request` for a token that does not verify, 503 when the provider's keys
 * cannot be fetched (the provider retries).
 */
@Controller('identity/oidc')
export class OidcBackchannelController {
  constructor(private readonly identity: IdentityService) {}

  @Post(':provider/backchannel-logout')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async logout(@Param('provider') provider: string, @Body() body: Record<string, unknown> | undefined): Promise<{ revoked_sessions: number }> {
    const token = body?.logout_token;
    if (typeof token !== 'string' || token === '' || token.length > 16_384) {
      throw new HttpException({ error: 'invalid_request', error_description: 'logout_token (form field) is required' }, 400);
    }
    try {
      return { revoked_sessions: await this.identity.backChannelLogout(provider, token) };
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      const status = err.status === 404 ? 404 : err.status >= 500 ? 503 : 400;
      throw new HttpException({ error: status === 400 ? 'invalid_request' : 'temporarily_unavailable', error_description: err.message }, status);
    }
  }
}

import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { Public } from '../../common/decorators/public.decorator';
import { InjectConfig } from '../../config/config.util';
import type { Reply } from '../../shared/protocol/messages/response-fields';
import type { SwitchboardContext } from '../../transport/switchboard.context';
import { ConnectionLogin, LoginProviders } from '../auth';
import { AuthConfig, authConfig } from '../auth/auth.config';
import { IdentityCommands } from './identity.commands';
import { OidcPollRequest, OidcPollResponse, OidcStartRequest, OidcStartResponse, ProvidersResponse } from './identity.dto';
import { IdentityService } from './identity.service';

@Controller()
export class IdentityHandler {
  constructor(
    private readonly providers: LoginProviders,
    private readonly identity: IdentityService,
    private readonly connectionLogin: ConnectionLogin,
    @InjectConfig(authConfig) private readonly auth: AuthConfig,
  ) {}

  /** Public: a client shows the sign-in choices before anyone is logged in. */
  @Public()
  @MessagePattern(IdentityCommands.PROVIDERS.name)
  list(): Reply<ProvidersResponse> {
    return { password_login: this.auth.passwordLogin, providers: this.providers.list() };
  }

  @Public()
  @MessagePattern(IdentityCommands.OIDC_START.name)
  start(@Payload() dto: OidcStartRequest, @Ctx() ctx: SwitchboardContext): Promise<Reply<OidcStartResponse>> {
    return this.identity.startDeviceFlow(dto.provider, ctx.connection.id, dto.client_info);
  }

  /** Ordered like auth/login: the connection's binding changes when the sign-in completes. */
  @Public()
  @MessagePattern(IdentityCommands.OIDC_POLL.name, { ordered: true })
  async poll(@Payload() dto: OidcPollRequest, @Ctx() ctx: SwitchboardContext): Promise<Reply<OidcPollResponse>> {
    const outcome = await this.identity.pollDeviceFlow(dto.handle, ctx.connection.id);
    if (outcome.state !== 'done') return outcome;
    return { state: 'done', ...(await this.connectionLogin.loginUser(ctx, outcome.userId, outcome.clientInfo)) };
  }
}

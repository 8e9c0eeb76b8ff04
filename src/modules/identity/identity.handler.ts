import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { Public } from '../../common/decorators/public.decorator';
import { InjectConfig } from '../../config/config.util';
import { LoginProviders } from '../auth';
import { AuthConfig, authConfig } from '../auth/auth.config';
import { IdentityCommands } from './identity.commands';
import type { ProvidersResponse } from './identity.dto';

@Controller()
export class IdentityHandler {
  constructor(
    private readonly providers: LoginProviders,
    @InjectConfig(authConfig) private readonly auth: AuthConfig,
  ) {}

  /** Public: a client shows the sign-in choices before anyone is logged in. */
  @Public()
  @MessagePattern(IdentityCommands.PROVIDERS.name)
  list(): Omit<ProvidersResponse, 'status'> {
    return { password_login: this.auth.passwordLogin, providers: this.providers.list() };
  }
}

import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CurrentSession, CurrentUser } from '../../common/decorators/connection.decorator';
import { PushCommands } from './push.commands';
import { PushRegisterRequest, PushRegisterResponse, PushSettingsRequest, PushSettingsResponse, PushUnregisterRequest, PushUnregisterResponse } from './push.dto';
import { PushService } from './push.service';

@Controller()
export class PushHandler {
  constructor(private readonly push: PushService) {}

  @MessagePattern(PushCommands.REGISTER.name)
  async register(@Payload() dto: PushRegisterRequest, @CurrentUser('session') me: CurrentSession): Promise<PushRegisterResponse> {
    return { status: 200, device_id: await this.push.register(me, dto) };
  }

  @MessagePattern(PushCommands.UNREGISTER.name)
  async unregister(@Payload() dto: PushUnregisterRequest, @CurrentUser('session') me: CurrentSession): Promise<PushUnregisterResponse> {
    return { status: 200, removed: await this.push.unregister(me, dto) };
  }

  /** Ordered: two quick changes from one connection apply in the order sent. */
  @MessagePattern(PushCommands.SETTINGS.name, { ordered: true })
  settings(@Payload() dto: PushSettingsRequest, @CurrentUser() userId: string): Promise<PushSettingsResponse> {
    return this.push.settings(userId, dto);
  }
}

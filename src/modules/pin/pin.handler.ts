import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CurrentSession, CurrentUser } from '../../common/decorators/connection.decorator';
import { PinCommands } from './pin.commands';
import { PinListRequest, PinRequest } from './pin.dto';
import { PinService } from './pin.service';

@Controller()
export class PinHandler {
  constructor(private readonly pins: PinService) {}

  /** Ordered: a pin then an unpin from one connection apply (and enter the stream) in that order. */
  @MessagePattern(PinCommands.ADD.name, { ordered: true })
  add(@Payload() dto: PinRequest, @CurrentUser('session') me: CurrentSession) {
    return this.pins.add(me.userId, me.connectionId, dto);
  }

  @MessagePattern(PinCommands.REMOVE.name, { ordered: true })
  remove(@Payload() dto: PinRequest, @CurrentUser('session') me: CurrentSession) {
    return this.pins.remove(me.userId, me.connectionId, dto);
  }

  @MessagePattern(PinCommands.LIST.name)
  list(@Payload() dto: PinListRequest, @CurrentUser() userId: string) {
    return this.pins.list(userId, dto);
  }
}

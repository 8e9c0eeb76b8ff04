import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { Public } from '../../common/decorators/public.decorator';
import { ControlCommands } from '../../shared/protocol';
import { ControlService } from './control.service';

@Controller()
export class ControlHandler {
  constructor(private readonly control: ControlService) {}

  @Public()
  @MessagePattern(ControlCommands.PING.name)
  ping() {
    return this.control.ping();
  }
}

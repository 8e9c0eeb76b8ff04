import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CurrentUser } from '../../../src/common/decorators/connection.decorator';
import { EventPublisher } from '../../../src/transport/event-publisher';
import { EchoCommands } from './echo.commands';
import { EchoSayRequest } from './echo.dto';

@Controller()
export class EchoHandler {
  constructor(private readonly publisher: EventPublisher) {}

  @MessagePattern(EchoCommands.SAY.name)
  say(@Payload() dto: EchoSayRequest) {
    return { text: dto.text, length: [...dto.text].length };
  }

  @MessagePattern(EchoCommands.SHOUT.name)
  async shout(@Payload() dto: EchoSayRequest, @CurrentUser() userId: string) {
    await this.publisher.toUsers([userId], EchoCommands.HEARD.name, { from: userId, text: dto.text });
    return { heard_by_connections_of: 1 };
  }
}

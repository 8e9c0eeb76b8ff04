import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CurrentSession, CurrentUser } from '../../common/decorators/connection.decorator';
import { ReactionCommands } from './reaction.commands';
import { ReactionRequest } from './reaction.dto';
import { ReactionService } from './reaction.service';

@Controller()
export class ReactionHandler {
  constructor(private readonly reactions: ReactionService) {}

  /** Ordered: an add then a remove from one connection apply (and enter the stream) in that order. */
  @MessagePattern(ReactionCommands.ADD.name, { ordered: true })
  async add(@Payload() dto: ReactionRequest, @CurrentUser('session') me: CurrentSession) {
    return this.reactions.add(me.userId, me.connectionId, dto);
  }

  @MessagePattern(ReactionCommands.REMOVE.name, { ordered: true })
  async remove(@Payload() dto: ReactionRequest, @CurrentUser('session') me: CurrentSession) {
    return this.reactions.remove(me.userId, me.connectionId, dto);
  }
}

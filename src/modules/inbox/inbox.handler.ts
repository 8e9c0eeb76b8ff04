import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CurrentSession, CurrentUser } from '../../common/decorators/connection.decorator';
import { InboxCommands } from './inbox.commands';
import { ConversationListRequest, ConversationMuteRequest, ConversationReadRequest } from './inbox.dto';
import { InboxService } from './inbox.service';

@Controller()
export class InboxHandler {
  constructor(private readonly inbox: InboxService) {}

  @MessagePattern(InboxCommands.LIST.name)
  async list(@Payload() dto: ConversationListRequest, @CurrentUser('session') me: CurrentSession) {
    return this.inbox.list(me.userId, dto);
  }

  @MessagePattern(InboxCommands.READ.name)
  async read(@Payload() dto: ConversationReadRequest, @CurrentUser('session') me: CurrentSession) {
    return this.inbox.read(me.userId, me.connectionId, dto);
  }

  /** Ordered: a mute then an unmute from one connection apply in that order. */
  @MessagePattern(InboxCommands.MUTE.name, { ordered: true })
  async mute(@Payload() dto: ConversationMuteRequest, @CurrentUser('session') me: CurrentSession) {
    return this.inbox.mute(me.userId, me.connectionId, dto);
  }
}

import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { ConnectionId, CurrentSession, CurrentUser } from '../../common/decorators/connection.decorator';
import { Public } from '../../common/decorators/public.decorator';
import { PresenceCommands } from '../../shared/protocol';
import {
  HeartbeatMessage,
  PresenceListRequest,
  PresenceListResponse,
  PresenceSubscribeRequest,
  PresenceSubscribeResponse,
  PresenceUpdateRequest,
  PresenceUpdateResponse,
  TypingRequest,
  TypingResponse,
} from '../../shared/protocol/messages/presence.messages';
import type { Reply } from '../../shared/protocol/messages/response-fields';
import { HeartbeatService } from './heartbeat.service';
import { PresenceQueryService } from './presence-query.service';
import { PresenceService } from './presence.service';
import { TypingService } from './typing.service';

@Controller()
export class PresenceHandler {
  constructor(
    private readonly heartbeats: HeartbeatService,
    private readonly presence: PresenceService,
    private readonly queries: PresenceQueryService,
    private readonly typings: TypingService,
  ) {}

  /**
   * Public: a connection still logging in may measure RTT too. Any valid frame (this one
   * included) already refreshed the connection's liveness in the transport.
   */
  @Public()
  @EventPattern<string>(PresenceCommands.HEARTBEAT.name)
  heartbeat(@Payload() dto: HeartbeatMessage, @ConnectionId() connectionId: string) {
    return this.heartbeats.echo(connectionId, dto.seq);
  }

  /** Ordered: two quick updates from one device must apply in the order they were sent. */
  @MessagePattern(PresenceCommands.UPDATE.name, { ordered: true })
  async update(@Payload() dto: PresenceUpdateRequest, @CurrentUser('session') me: CurrentSession): Promise<Reply<PresenceUpdateResponse>> {
    return { presence: await this.presence.update(me, dto.status, dto.text) };
  }

  @MessagePattern(PresenceCommands.LIST.name)
  list(@Payload() dto: PresenceListRequest, @CurrentUser() userId: string): Promise<Reply<PresenceListResponse>> {
    return this.queries.list(userId, dto);
  }

  @MessagePattern(PresenceCommands.SUBSCRIBE.name)
  subscribe(@Payload() dto: PresenceSubscribeRequest, @CurrentUser('session') me: CurrentSession): Promise<Reply<PresenceSubscribeResponse>> {
    return this.queries.subscribe(me.userId, me.connectionId, dto.user_ids);
  }

  /** Ordered: a start then a stop from one connection apply in that order. */
  @MessagePattern(PresenceCommands.TYPING.name, { ordered: true })
  typing(@Payload() dto: TypingRequest, @CurrentUser('session') me: CurrentSession): Promise<TypingResponse> {
    return this.typings.typing(me.userId, me.connectionId, dto);
  }
}

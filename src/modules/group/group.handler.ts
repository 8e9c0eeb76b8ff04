import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { CurrentUser } from '../../common/decorators/connection.decorator';
import { GroupCommands } from '../../shared/protocol';
import type { SwitchboardContext } from '../../transport/switchboard.context';
import {
  GroupAddRequest,
  GroupChangeResponse,
  GroupCreateRequest,
  GroupCreateResponse,
  GroupLeaveResponse,
  GroupListPageDto,
  GroupListRequest,
  GroupMembersResponse,
  GroupRefRequest,
  GroupRemoveRequest,
} from '../../shared/protocol/messages/group.messages';
import type { Reply } from '../../shared/protocol/messages/response-fields';
import { GroupService, Outcome } from './group.service';

/**
 * Group commands. Membership changes are `ordered`, so changes pipelined on one connection apply
 * in the order they were sent. Notifications go out after the actor's response.
 */
@Controller()
export class GroupHandler {
  constructor(private readonly groups: GroupService) {}

  @MessagePattern(GroupCommands.CREATE.name, { ordered: true })
  async create(@Payload() dto: GroupCreateRequest, @CurrentUser() userId: string, @Ctx() ctx: SwitchboardContext): Promise<Reply<GroupCreateResponse>> {
    return respond(ctx, await this.groups.create(userId, dto));
  }

  @MessagePattern(GroupCommands.ADD.name, { ordered: true })
  async add(@Payload() dto: GroupAddRequest, @CurrentUser() userId: string, @Ctx() ctx: SwitchboardContext): Promise<Reply<GroupChangeResponse>> {
    return respond(ctx, await this.groups.add(userId, dto));
  }

  @MessagePattern(GroupCommands.REMOVE.name, { ordered: true })
  async remove(@Payload() dto: GroupRemoveRequest, @CurrentUser() userId: string, @Ctx() ctx: SwitchboardContext): Promise<Reply<GroupChangeResponse>> {
    return respond(ctx, await this.groups.remove(userId, dto));
  }

  @MessagePattern(GroupCommands.LEAVE.name, { ordered: true })
  async leave(@Payload() dto: GroupRefRequest, @CurrentUser() userId: string, @Ctx() ctx: SwitchboardContext): Promise<Reply<GroupLeaveResponse>> {
    return respond(ctx, await this.groups.leave(userId, dto));
  }

  @MessagePattern(GroupCommands.MEMBERS.name)
  members(@Payload() dto: GroupRefRequest, @CurrentUser() userId: string): Promise<Reply<GroupMembersResponse>> {
    return this.groups.members(userId, dto);
  }

  @MessagePattern(GroupCommands.LIST.name)
  list(@Payload() dto: GroupListRequest, @CurrentUser() userId: string): Promise<Reply<GroupListPageDto>> {
    return this.groups.list(userId, dto.cursor, dto.limit);
  }
}

function respond<T>(ctx: SwitchboardContext, outcome: Outcome<T>): T {
  const notify = outcome.notify;
  if (notify) ctx.afterResponse(() => void notify());
  return outcome.response;
}

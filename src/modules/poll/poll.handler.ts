import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CurrentUser } from '../../common/decorators/connection.decorator';
import { PollCommands } from './poll.commands';
import { PollCreateRequest, PollVoteRequest } from './poll.dto';
import { PollService } from './poll.service';

@Controller()
export class PollHandler {
  constructor(private readonly polls: PollService) {}

  @MessagePattern(PollCommands.CREATE.name)
  async create(@Payload() dto: PollCreateRequest, @CurrentUser() userId: string) {
    return { poll: await this.polls.create(userId, dto) };
  }

  /** Ordered: two quick votes from one connection apply in the order sent (the last one wins). */
  @MessagePattern(PollCommands.VOTE.name, { ordered: true })
  async vote(@Payload() dto: PollVoteRequest, @CurrentUser() userId: string) {
    return { poll: await this.polls.vote(userId, dto) };
  }
}

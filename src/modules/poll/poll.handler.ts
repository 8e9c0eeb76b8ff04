import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CurrentUser } from '../../common/decorators/connection.decorator';
import { PollCreateRequest, PollVoteRequest } from './poll.dto';
import { PollService } from './poll.service';

/** Commands are plain strings: a module's commands need no entry in the protocol package. */
export const PollCommands = { CREATE: 'poll/create', VOTE: 'poll/vote' } as const;

@Controller()
export class PollHandler {
  constructor(private readonly polls: PollService) {}

  @MessagePattern(PollCommands.CREATE)
  async create(@Payload() dto: PollCreateRequest, @CurrentUser() userId: string) {
    return { poll: await this.polls.create(userId, dto) };
  }

  /** Ordered: two quick votes from one connection apply in the order sent (the last one wins). */
  @MessagePattern(PollCommands.VOTE, { ordered: true })
  async vote(@Payload() dto: PollVoteRequest, @CurrentUser() userId: string) {
    return { poll: await this.polls.vote(userId, dto) };
  }
}

/**
 * Polls in a conversation: members create them and vote (one vote each, changeable); every
 * member hears about both through notification/event (`poll.created`, `poll.voted` with the
 * tally). Membership comes from the conversation module's public API, pushes from the
 * notification module's: the poll module touches no other module's internals.
 */
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { InjectConfig } from '../../config/config.util';
import { ProtocolError } from '../../shared/protocol';
import { ConversationRepository } from '../conversation';
import { NotificationService } from '../notification';
import { PollCreateRequest, PollVoteRequest } from './poll.dto';
import { PollConfig, pollConfig } from './poll.config';
import { PollMetrics } from './poll.metrics';
import { Poll, PollRepository } from './poll.repository';

export interface PollView {
  poll_id: string;
  conversation_id: string;
  creator_id: string;
  question: string;
  options: string[];
  votes: number[];
  created_at: number;
}

@Injectable()
export class PollService {
  constructor(
    private readonly polls: PollRepository,
    private readonly conversations: ConversationRepository,
    private readonly notifications: NotificationService,
    private readonly metrics: PollMetrics,
    @InjectConfig(pollConfig) private readonly config: PollConfig,
  ) {}

  async create(userId: string, dto: PollCreateRequest): Promise<PollView> {
    if (dto.options.length > this.config.maxOptions) {
      const problem = `a poll offers at most ${this.config.maxOptions} options; got ${dto.options.length}`;
      throw new ProtocolError('VALIDATION_FAILED', problem, 400, { fields: [{ field: 'options', problems: [problem] }] });
    }
    const memberIds = await this.requireMember(dto.conversation_id, userId);
    const poll: Poll = {
      id: `p-${randomBytes(12).toString('hex')}`,
      conversationId: dto.conversation_id,
      creatorId: userId,
      question: dto.question,
      options: dto.options,
      createdAt: Date.now(),
    };
    await this.polls.create(poll);
    this.metrics.created.inc();
    const view = toView(poll, new Array<number>(poll.options.length).fill(0));
    await this.notifications.notify(memberIds, { type: 'poll.created', ...view });
    return view;
  }

  async vote(userId: string, dto: PollVoteRequest): Promise<PollView> {
    const poll = await this.polls.find(dto.poll_id);
    // A poll in a conversation you are not in answers like an unknown one (no existence leak).
    const memberIds = poll ? await this.requireMember(poll.conversationId, userId, dto.poll_id).catch(() => null) : null;
    if (!poll || !memberIds) throw new ProtocolError('NOT_FOUND', `no poll ${dto.poll_id} in your conversations`, 404);
    if (dto.option >= poll.options.length) {
      const problem = `option must be between 0 and ${poll.options.length - 1} for this poll`;
      throw new ProtocolError('VALIDATION_FAILED', problem, 400, { fields: [{ field: 'option', problems: [problem] }] });
    }
    await this.polls.vote(poll.id, userId, dto.option, Date.now());
    this.metrics.votes.inc();
    const view = toView(poll, await this.polls.tally(poll.id, poll.options.length));
    await this.notifications.notify(memberIds, { type: 'poll.voted', voter_id: userId, ...view });
    return view;
  }

  /** Returns the conversation's member ids; 403 when `userId` is not one of them. */
  private async requireMember(conversationId: string, userId: string, what = conversationId): Promise<string[]> {
    const members = await this.conversations.listMembers(conversationId);
    if (!members.some((m) => m.userId === userId)) {
      throw new ProtocolError('FORBIDDEN', `you are not a member of ${what}`, 403);
    }
    return members.map((m) => m.userId);
  }
}

function toView(poll: Poll, votes: number[]): PollView {
  return {
    poll_id: poll.id,
    conversation_id: poll.conversationId,
    creator_id: poll.creatorId,
    question: poll.question,
    options: poll.options,
    votes,
    created_at: Math.floor(poll.createdAt / 1000),
  };
}

/**
 * Polls in a conversation: members create them and vote (one vote each, changeable). Both enter
 * the conversation's ordered stream through the message module's ConversationStream port — a
 * `poll.created` entry with the poll, a `poll.voted` entry with the new tally — so every member
 * gets them live, in history and, after being offline, through offline batches and sync; clients
 * that do not know the kinds skip them. Membership comes from the conversation module's public
 * API: the poll module touches no other module's internals.
 *
 * Errors use the protocol package's shared helpers (fieldError, notFound, forbidden); nothing
 * here catches a database error, so an outage surfaces as 503 with retry_after_ms.
 */
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { InjectConfig } from '../../config/config.util';
import { fieldError, forbidden, notFound } from '../../shared/protocol';
import { ConversationRepository } from '../conversation';
import { ConversationStream } from '../message';
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

/** Stream entry kinds (`<module>.<what>`). */
export const POLL_CREATED = 'poll.created';
export const POLL_VOTED = 'poll.voted';

@Injectable()
export class PollService {
  /** Per poll, the vote being counted: tallies enter the stream in the order they were counted. */
  private readonly counting = new Map<string, Promise<unknown>>();

  constructor(
    private readonly polls: PollRepository,
    private readonly conversations: ConversationRepository,
    private readonly stream: ConversationStream,
    private readonly metrics: PollMetrics,
    @InjectConfig(pollConfig) private readonly config: PollConfig,
  ) {}

  async create(userId: string, dto: PollCreateRequest): Promise<PollView> {
    if (dto.options.length > this.config.maxOptions) {
      throw fieldError('options', `a poll offers at most ${this.config.maxOptions} options; got ${dto.options.length}`);
    }
    if (!(await this.conversations.findMembership(dto.conversation_id, userId))) {
      throw forbidden(`you are not a member of ${dto.conversation_id}`);
    }
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
    await this.stream.append({ conversationId: poll.conversationId, actorId: userId, kind: POLL_CREATED, data: { ...view }, idempotencyKey: poll.id });
    return view;
  }

  async vote(userId: string, dto: PollVoteRequest): Promise<PollView> {
    const poll = await this.polls.find(dto.poll_id);
    // A poll in a conversation you are not in answers like an unknown one (no existence leak).
    if (!poll || !(await this.conversations.findMembership(poll.conversationId, userId))) throw notFound(`poll ${dto.poll_id} in your conversations`);
    if (dto.option >= poll.options.length) throw fieldError('option', `option must be between 0 and ${poll.options.length - 1} for this poll`);
    return this.inTurn(poll.id, async () => {
      await this.polls.vote(poll.id, userId, dto.option, Date.now());
      this.metrics.votes.inc();
      const view = toView(poll, await this.polls.tally(poll.id, poll.options.length));
      await this.stream.append({ conversationId: poll.conversationId, actorId: userId, kind: POLL_VOTED, data: { ...view, voter_id: userId } });
      return view;
    });
  }

  /**
   * Runs `fn` after the poll's previous vote has been counted and appended, so a later entry never
   * carries an older tally (within this process; across nodes the newest entry may trail by a
   * vote until the next one, and poll/vote's answer is always current).
   */
  private inTurn<T>(pollId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.counting.get(pollId) ?? Promise.resolve();
    const mine = previous.then(fn, fn);
    const settled = mine.catch(() => undefined);
    this.counting.set(pollId, settled);
    void settled.then(() => {
      if (this.counting.get(pollId) === settled) this.counting.delete(pollId);
    });
    return mine;
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

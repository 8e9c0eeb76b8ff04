/** Polls and votes: the only file of the module that talks to the database. */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PollVoteEntity } from './entities/poll-vote.entity';
import { PollEntity } from './entities/poll.entity';

export interface Poll {
  id: string;
  conversationId: string;
  creatorId: string;
  question: string;
  options: string[];
  createdAt: number;
}

@Injectable()
export class PollRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async create(poll: Poll): Promise<void> {
    await this.dataSource.getRepository(PollEntity).insert({ ...poll, options: JSON.stringify(poll.options) });
  }

  async find(id: string): Promise<Poll | null> {
    const row = await this.dataSource.getRepository(PollEntity).findOneBy({ id });
    return row ? { ...row, options: JSON.parse(row.options) as string[] } : null;
  }

  /** One vote per user: a second vote replaces the first (upsert on the primary key). */
  async vote(pollId: string, userId: string, optionIndex: number, now: number): Promise<void> {
    await this.dataSource.getRepository(PollVoteEntity).upsert({ pollId, userId, optionIndex, votedAt: now }, ['pollId', 'userId']);
  }

  /** Votes per option index, zeros included. */
  async tally(pollId: string, optionCount: number): Promise<number[]> {
    const rows = await this.dataSource
      .getRepository(PollVoteEntity)
      .createQueryBuilder('v')
      .select('v.optionIndex', 'option')
      .addSelect('COUNT(*)', 'n')
      .where('v.pollId = :pollId', { pollId })
      .groupBy('v.optionIndex')
      .getRawMany<{ option: number | string; n: number | string }>();
    const counts = new Array<number>(optionCount).fill(0);
    for (const r of rows) counts[Number(r.option)] = Number(r.n);
    return counts;
  }
}

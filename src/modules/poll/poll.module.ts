import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConversationModule } from '../conversation';
import { MessageModule } from '../message';
import './poll.content-type';
import { PollVoteEntity } from './entities/poll-vote.entity';
import { PollEntity } from './entities/poll.entity';
import { PollHandler } from './poll.handler';
import { PollMetrics } from './poll.metrics';
import { PollRepository } from './poll.repository';
import { PollService } from './poll.service';

export const POLL_ENTITIES = [PollEntity, PollVoteEntity];

/**
 * The sample module (docs/architecture.md, "Adding a module"): poll/create and poll/vote declared
 * in poll.commands.ts, the `poll` content type, its own entities, migration, config namespace and
 * metrics, and `poll.created` / `poll.voted` entries in the conversation stream.
 * Copy this folder to start a module; nothing outside it changes except one line in
 * src/app.features.ts.
 */
@Module({
  imports: [TypeOrmModule.forFeature(POLL_ENTITIES), ConversationModule, MessageModule],
  controllers: [PollHandler],
  providers: [PollRepository, PollService, PollMetrics],
})
export class PollModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConversationModule } from '../conversation';
import { MessageModule } from '../message';
import { MessageReactionEntity } from './entities/message-reaction.entity';
import { ReactionHandler } from './reaction.handler';
import { ReactionRepository } from './reaction.repository';
import { ReactionService } from './reaction.service';

export const REACTION_ENTITIES = [MessageReactionEntity];

/**
 * Emoji reactions on messages (reaction/add, reaction/remove): its own table, changes announced
 * through the conversation's ordered stream, counts shown in message/history. Built only on the
 * message and conversation modules' public ports.
 */
@Module({
  imports: [TypeOrmModule.forFeature(REACTION_ENTITIES), ConversationModule, MessageModule],
  controllers: [ReactionHandler],
  providers: [ReactionRepository, ReactionService],
})
export class ReactionModule {}

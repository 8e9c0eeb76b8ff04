import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConversationInboxRepository } from './conversation-inbox.repository';
import { ConversationRepository } from './conversation.repository';
import { ConversationMemberEntity } from './entities/conversation-member.entity';
import { ConversationEntity } from './entities/conversation.entity';

export const CONVERSATION_ENTITIES = [ConversationEntity, ConversationMemberEntity];

/**
 * Owns conversations (direct, group, broadcast) and their memberships with receipt positions.
 * It serves no command itself: group, message and presence import it and go through
 * ConversationRepository. Its tables are its own migration's (./migrations; databases created
 * before that got them from the message module's baseline and keep them).
 */
@Module({
  imports: [TypeOrmModule.forFeature(CONVERSATION_ENTITIES)],
  providers: [ConversationRepository, ConversationInboxRepository],
  exports: [ConversationRepository, ConversationInboxRepository],
})
export class ConversationModule {}

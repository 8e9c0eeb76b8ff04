import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConversationRepository } from './conversation.repository';
import { ConversationMemberEntity } from './entities/conversation-member.entity';
import { ConversationEntity } from './entities/conversation.entity';

export const CONVERSATION_ENTITIES = [ConversationEntity, ConversationMemberEntity];

/**
 * Owns conversations (direct, group, broadcast) and their memberships with receipt positions.
 * It serves no command itself: group, message and presence import it and go through
 * ConversationRepository. Its tables were created by the messaging baseline migration
 * (message module, MessagingSchema1764150000000); later changes to them go in ./migrations.
 */
@Module({
  imports: [TypeOrmModule.forFeature(CONVERSATION_ENTITIES)],
  providers: [ConversationRepository],
  exports: [ConversationRepository],
})
export class ConversationModule {}

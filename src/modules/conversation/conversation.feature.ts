import { defineFeature } from '../../common/feature/feature';
import { CONVERSATION_ENTITIES, ConversationModule } from './conversation.module';

export const conversationFeature = defineFeature({ name: 'conversation', module: ConversationModule, entities: CONVERSATION_ENTITIES });

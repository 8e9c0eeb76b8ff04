import { defineFeature } from '../../common/feature/feature';
import { CONVERSATION_ENTITIES, ConversationModule } from './conversation.module';
import { ConversationsSchema1764610000000 } from './migrations/1764610000000-conversations-schema';
import { ConversationMute1764640000000 } from './migrations/1764640000000-conversation-mute';

export const conversationFeature = defineFeature({ name: 'conversation', module: ConversationModule, entities: CONVERSATION_ENTITIES, migrations: [ConversationsSchema1764610000000, ConversationMute1764640000000] });

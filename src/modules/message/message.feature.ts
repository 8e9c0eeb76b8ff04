import { defineFeature } from '../../common/feature/feature';
import { MessageCommands } from '../../shared/protocol/commands';
import { messageConfig } from './message.config';
import { MESSAGE_ENTITIES, MessageModule } from './message.module';
import { MessagingSchema1764150000000 } from './migrations/1764150000000-messaging-schema';
import { MessageStreamKind1764500000000 } from './migrations/1764500000000-message-stream-kind';
import { MessageChanges1764621000000 } from './migrations/1764621000000-message-changes';
import { MessageRefPartialIndex1764624000000 } from './migrations/1764624000000-message-ref-partial-index';
import { MessageSearchIndex1765200000000 } from './migrations/1765200000000-message-search-index';
import { MessageSearchReindexState1765240000000 } from './migrations/1765240000000-message-search-reindex-state';
import { MessageSearchTriggers1765270000000 } from './migrations/1765270000000-message-search-triggers';
import { MessageSearchGramsFunction1765291000000 } from './migrations/1765291000000-message-search-grams-function';

export const messageFeature = defineFeature({
  name: 'message',
  module: MessageModule,
  entities: MESSAGE_ENTITIES,
  migrations: [MessagingSchema1764150000000, MessageStreamKind1764500000000, MessageChanges1764621000000, MessageRefPartialIndex1764624000000, MessageSearchIndex1765200000000, MessageSearchReindexState1765240000000, MessageSearchTriggers1765270000000, MessageSearchGramsFunction1765291000000],
  config: [messageConfig],
  commands: MessageCommands,
});

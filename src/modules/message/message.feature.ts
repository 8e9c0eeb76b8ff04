import { defineFeature } from '../../common/feature/feature';
import { messageConfig } from './message.config';
import { MESSAGE_ENTITIES, MessageModule } from './message.module';
import { MessagingSchema1764150000000 } from './migrations/1764150000000-messaging-schema';

export const messageFeature = defineFeature({
  name: 'message',
  module: MessageModule,
  entities: MESSAGE_ENTITIES,
  migrations: [MessagingSchema1764150000000],
  config: [messageConfig],
});

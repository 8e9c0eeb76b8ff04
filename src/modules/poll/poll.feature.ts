import { defineFeature } from '../../common/feature/feature';
import { PollSchema1764170000000 } from './migrations/1764170000000-poll-schema';
import { PollCommands } from './poll.commands';
import { pollConfig } from './poll.config';
import { POLL_ENTITIES, PollModule } from './poll.module';

/** Everything the poll module contributes to the app, declared from its own folder. */
export const pollFeature = defineFeature({
  name: 'poll',
  module: PollModule,
  entities: POLL_ENTITIES,
  migrations: [PollSchema1764170000000],
  config: [pollConfig],
  commands: PollCommands,
});

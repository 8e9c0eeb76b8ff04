import { defineFeature } from '../../common/feature/feature';
import { PushSchema1765230000000 } from './migrations/1765230000000-push-schema';
import { PushCommands } from './push.commands';
import { pushConfig } from './push.config';
import { PUSH_ENTITIES, PushModule } from './push.module';

/** Everything the push module contributes to the app, declared from its own folder. */
export const pushFeature = defineFeature({
  name: 'push',
  module: PushModule,
  entities: PUSH_ENTITIES,
  migrations: [PushSchema1765230000000],
  config: [pushConfig],
  commands: PushCommands,
});

import { defineFeature } from '../../common/feature/feature';
import { ReactionSchema1764622000000 } from './migrations/1764622000000-reaction-schema';
import { ReactionCommands } from './reaction.commands';
import { reactionConfig } from './reaction.config';
import { REACTION_ENTITIES, ReactionModule } from './reaction.module';

/** Everything the reaction module contributes to the app, declared from its own folder. */
export const reactionFeature = defineFeature({
  name: 'reaction',
  module: ReactionModule,
  entities: REACTION_ENTITIES,
  migrations: [ReactionSchema1764622000000],
  config: [reactionConfig],
  commands: ReactionCommands,
});

/** The reaction module's public API: what other modules may import from it. */
export { ReactionModule } from './reaction.module';
export { ReactionCommands } from './reaction.commands';
export { REACTION_ADDED, REACTION_REMOVED } from './reaction.service';
export { reactionProblem } from './reaction.emoji';

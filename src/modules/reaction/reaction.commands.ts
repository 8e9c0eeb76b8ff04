/**
 * The reaction module's commands: one declaration each (see src/shared/protocol/command-declaration.ts).
 */
import { declareCommand } from '../../shared/protocol/command-declaration';
import { ReactionRequest, ReactionResponse } from './reaction.dto';

export const ReactionCommands = {
  ADD: declareCommand({
    name: 'reaction/add',
    direction: 'c2s',
    kind: 'request',
    description: 'React to a message with an emoji; a reaction.added entry enters the conversation stream.',
    request: ReactionRequest,
    response: ReactionResponse,
    causes: ['message/event'],
  }),
  REMOVE: declareCommand({
    name: 'reaction/remove',
    direction: 'c2s',
    kind: 'request',
    description: 'Take back my reaction; a reaction.removed entry enters the conversation stream.',
    request: ReactionRequest,
    response: ReactionResponse,
    causes: ['message/event'],
  }),
} as const;

/**
 * The poll module's commands: one declaration each (see src/shared/protocol/command-declaration.ts).
 * Listed in the manifest (poll.feature.ts), they reach dispatch (the start-time handler check),
 * the generated JSON Schemas, docs/asyncapi.yaml, the command table of docs/protocol.md and the
 * SDK's types without an edit outside this folder.
 */
import { declareCommand } from '../../shared/protocol/command-declaration';
import { PollCreateRequest, PollResponse, PollVoteRequest } from './poll.dto';

export const PollCommands = {
  CREATE: declareCommand({
    name: 'poll/create',
    direction: 'c2s',
    kind: 'request',
    description: 'Create a poll in a conversation I am a member of; it enters the conversation stream.',
    request: PollCreateRequest,
    response: PollResponse,
    causes: ['message/event'],
  }),
  VOTE: declareCommand({
    name: 'poll/vote',
    direction: 'c2s',
    kind: 'request',
    description: 'Vote (or change my vote) on a poll; the new tally enters the conversation stream.',
    request: PollVoteRequest,
    response: PollResponse,
    causes: ['message/event'],
  }),
} as const;

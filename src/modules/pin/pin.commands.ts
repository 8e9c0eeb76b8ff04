/** The pin module's commands: one declaration each (see src/shared/protocol/command-declaration.ts). */
import { declareCommand } from '../../shared/protocol/command-declaration';
import { PinListRequest, PinListResponse, PinRequest, PinResponse } from './pin.dto';

export const PinCommands = {
  ADD: declareCommand({
    name: 'pin/add',
    direction: 'c2s',
    kind: 'request',
    description: 'Pin a message (group owner/admins, either party of a direct conversation); a pin.added entry enters the stream.',
    request: PinRequest,
    response: PinResponse,
    causes: ['message/event'],
  }),
  REMOVE: declareCommand({
    name: 'pin/remove',
    direction: 'c2s',
    kind: 'request',
    description: 'Unpin a message (same people as pin/add); a pin.removed entry enters the stream.',
    request: PinRequest,
    response: PinResponse,
    causes: ['message/event'],
  }),
  LIST: declareCommand({
    name: 'pin/list',
    direction: 'c2s',
    kind: 'request',
    description: 'The pinned messages of a conversation I am a member of, newest pin first.',
    request: PinListRequest,
    response: PinListResponse,
  }),
} as const;

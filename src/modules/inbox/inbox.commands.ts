/**
 * The inbox module's commands: one declaration each (see src/shared/protocol/command-declaration.ts).
 */
import { declareCommand } from '../../shared/protocol/command-declaration';
import {
  ConversationListRequest,
  ConversationListResponse,
  ConversationMuteEventDto,
  ConversationMuteRequest,
  ConversationMuteResponse,
  ConversationReadEventDto,
  ConversationReadRequest,
  ConversationReadResponse,
} from './inbox.dto';

export const InboxCommands = {
  LIST: declareCommand({
    name: 'conversation/list',
    direction: 'c2s',
    kind: 'request',
    description: 'My direct and group conversations, latest activity first, with last message, unread and mention counts, mute (cursor-paged).',
    request: ConversationListRequest,
    response: ConversationListResponse,
  }),
  READ: declareCommand({
    name: 'conversation/read',
    direction: 'both',
    kind: 'request',
    description: 'Client: mark read up to seq on all my devices (never backwards). Server: my read position moved (to my other connections).',
    request: ConversationReadRequest,
    response: ConversationReadResponse,
    event: ConversationReadEventDto,
    causes: ['conversation/read', 'message/ack'],
  }),
  MUTE: declareCommand({
    name: 'conversation/mute',
    direction: 'both',
    kind: 'request',
    description: 'Client: mute a conversation until a time or until unmuted, or unmute it. Server: the mute changed (to my other connections).',
    request: ConversationMuteRequest,
    response: ConversationMuteResponse,
    event: ConversationMuteEventDto,
    causes: ['conversation/mute'],
  }),
} as const;

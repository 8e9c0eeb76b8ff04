/** The push module's commands (see src/shared/protocol/command-declaration.ts). */
import { declareCommand } from '../../shared/protocol/command-declaration';
import { PushRegisterRequest, PushRegisterResponse, PushSettingsRequest, PushSettingsResponse, PushUnregisterRequest, PushUnregisterResponse } from './push.dto';

export const PushCommands = {
  REGISTER: declareCommand({
    name: 'push/register',
    direction: 'c2s',
    kind: 'request',
    description: 'Register this device\'s push token for my session (removed at logout, revocation, or when the provider reports it dead).',
    request: PushRegisterRequest,
    response: PushRegisterResponse,
  }),
  UNREGISTER: declareCommand({
    name: 'push/unregister',
    direction: 'c2s',
    kind: 'request',
    description: 'Remove one of my push tokens, or every token of this session.',
    request: PushUnregisterRequest,
    response: PushUnregisterResponse,
  }),
  SETTINGS: declareCommand({
    name: 'push/settings',
    direction: 'c2s',
    kind: 'request',
    description: 'Read or change my push preferences: all / mentions and direct only / none, and quiet hours in a time zone.',
    request: PushSettingsRequest,
    response: PushSettingsResponse,
  }),
} as const;

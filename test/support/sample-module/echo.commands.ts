/** The sample module's two commands and one event, declared once (see poll.commands.ts). */
import { declareCommand } from '../../../src/shared/protocol/command-declaration';
import { EchoHeardEvent, EchoSayRequest, EchoSayResponse, EchoShoutResponse } from './echo.dto';

export const EchoCommands = {
  SAY: declareCommand({
    name: 'echo/say',
    direction: 'c2s',
    kind: 'request',
    description: 'Answers the text back with its length (the sample module).',
    request: EchoSayRequest,
    response: EchoSayResponse,
  }),
  SHOUT: declareCommand({
    name: 'echo/shout',
    direction: 'c2s',
    kind: 'request',
    description: 'Pushes the text to every connection of the caller as echo/heard.',
    request: EchoSayRequest,
    response: EchoShoutResponse,
    causes: ['echo/heard'],
  }),
  HEARD: declareCommand({
    name: 'echo/heard',
    direction: 's2c',
    kind: 'event',
    description: 'Someone (the caller themself) shouted this text.',
    event: EchoHeardEvent,
  }),
} as const;

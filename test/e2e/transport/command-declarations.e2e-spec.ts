/**
 * Dispatch follows the declarations: an app whose handler serves a command no feature declares,
 * or whose @Public()/@MinVersion disagree with the declaration, does not start, and the error
 * names the handler, the command and what to fix. A declared test handler runs normally.
 */
import { Controller, Module } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { MinVersion } from '../../../src/common/decorators/min-version.decorator';
import { Public } from '../../../src/common/decorators/public.decorator';
import { declareCommand } from '../../../src/shared/protocol/command-declaration';
import { startTestApp } from '../../support/test-app';

@Controller()
class ProbeHandler {
  @Public()
  @MessagePattern('probe/echo')
  echo() {
    return { echoed: true };
  }

  @MinVersion('1.1')
  @MessagePattern('probe/newer')
  newer() {
    return {};
  }
}

@Module({ controllers: [ProbeHandler] })
class ProbeModule {}

const ECHO = declareCommand({ name: 'probe/echo', direction: 'c2s', kind: 'request', auth: 'public', description: 'Echo for the declaration check.' });
const NEWER = declareCommand({ name: 'probe/newer', direction: 'c2s', kind: 'request', since: '1.1', description: 'Needs protocol version 1.1.' });

describe('command declarations drive dispatch', () => {
  it('refuses to start when a handled command is not declared, naming the handler and the fix', async () => {
    await expect(startTestApp({}, { imports: [ProbeModule], commands: [ECHO] })).rejects.toThrow(
      /ProbeHandler\.newer handles "probe\/newer", which no feature declares: add a declaration \(declareCommand\)/,
    );
  });

  it('refuses to start when @Public() or @MinVersion disagree with the declaration', async () => {
    const authenticatedEcho = declareCommand({ ...ECHO, auth: 'authenticated' });
    const baseNewer = declareCommand({ ...NEWER, since: '1.0' });
    const failure = startTestApp({}, { imports: [ProbeModule], commands: [authenticatedEcho, baseNewer] });
    await expect(failure).rejects.toThrow('ProbeHandler.echo is @Public() but "probe/echo" is declared auth: authenticated');
    await expect(failure).rejects.toThrow('ProbeHandler.newer requires protocol version 1.1 (@MinVersion) but "probe/newer" is declared since 1.0');
  });

  it('refuses a declaration that repeats a feature’s command', async () => {
    const again = declareCommand({ name: 'poll/create', direction: 'c2s', kind: 'request', description: 'A second poll/create.' });
    await expect(startTestApp({}, { imports: [ProbeModule], commands: [ECHO, NEWER, again] })).rejects.toThrow(
      'command poll/create is declared twice (by the app features and by createApp({ commands }))',
    );
  });

  it('starts and dispatches when every handler is declared', async () => {
    const app = await startTestApp({}, { imports: [ProbeModule], commands: [ECHO, NEWER] });
    try {
      const client = await app.connect();
      expect((await client.request('probe/echo', {})).payload).toEqual({ status: 200, echoed: true });
    } finally {
      await app.close();
    }
  });
});

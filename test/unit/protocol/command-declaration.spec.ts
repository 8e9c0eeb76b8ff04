/**
 * Command declarations and the registry assembled from the feature list: malformed declarations
 * fail at import, a name declared twice or an undeclared caused event fails when the registry is
 * built, and the app's registry covers the core protocol table and the sample module's commands.
 */
import { APP_FEATURES, FEATURES } from '../../../src/app.features';
import { featureCommands } from '../../../src/common/feature/feature';
import { ALL_COMMANDS } from '../../../src/shared/protocol/commands';
import { CommandRegistry, declareCommand } from '../../../src/shared/protocol/command-declaration';
import { PollCommands } from '../../../src/modules/poll';

const ok = { direction: 'c2s', kind: 'request', description: 'Does something useful.' } as const;

describe('command declarations', () => {
  it('fills the defaults and rejects malformed declarations with the reason', () => {
    expect(declareCommand({ name: 'thing/do', ...ok })).toMatchObject({ since: '1.0', auth: 'authenticated' });
    expect(() => declareCommand({ name: 'thing.do', ...ok })).toThrow('command thing.do: name must look like "domain/action"');
    expect(() => declareCommand({ ...ok, name: 'thing/push', direction: 's2c' })).toThrow('a server-only command must be an event');
    expect(() => declareCommand({ ...ok, name: 'thing/do', description: 'short' })).toThrow('description must be one line');
    expect(() => declareCommand({ ...ok, name: 'thing/do', since: 'two' })).toThrow('since must be a protocol version');
    expect(() => declareCommand({ ...ok, name: 'thing/tell', kind: 'event', response: class {} })).toThrow('an event gets no response');
  });

  it('a command declared twice fails with both declarers named', () => {
    const a = declareCommand({ name: 'thing/do', ...ok });
    expect(() => new CommandRegistry([{ owner: 'feature one', commands: [a] }, { owner: 'feature two', commands: [a] }])).toThrow(
      'command thing/do is declared twice (by feature one and by feature two)',
    );
  });

  it('an event named in causes must be declared, and sent by the server', () => {
    const caused = declareCommand({ name: 'thing/do', ...ok, causes: ['thing/happened'] });
    expect(() => new CommandRegistry([{ owner: 'f', commands: [caused] }])).toThrow('thing/do (f) causes thing/happened, which no feature declares');
    const clientOnly = declareCommand({ name: 'thing/happened', ...ok });
    expect(() => new CommandRegistry([{ owner: 'f', commands: [caused, clientOnly] }])).toThrow('which is not sent by the server');
  });

  it('the app registry is assembled from the feature list: every core command once, plus the modules’ own', () => {
    const registry = APP_FEATURES.commands;
    for (const c of ALL_COMMANDS) expect(registry.get(c.name)).toBe(c);
    expect(registry.get('poll/create')).toBe(PollCommands.CREATE);
    expect(registry.ownerOf('poll/vote')).toBe('feature poll');
    const listed = FEATURES.flatMap((f) => featureCommands(f).map((c) => c.name)).sort();
    expect(registry.all().map((c) => c.name)).toEqual(listed);
  });
});

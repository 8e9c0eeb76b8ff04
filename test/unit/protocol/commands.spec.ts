import {
  ALL_COMMANDS,
  CommandGroups,
  commandInfo,
  Direction,
  normalizeCommand,
} from '../../../src/shared/protocol/commands';

/** Draft §2 tables: command → direction as the draft states it. */
const DRAFT_COMMANDS: Record<string, 'c2s' | 's2c' | 'both'> = {
  'auth/login': 'c2s',
  'auth/logout': 'c2s',
  'auth/refresh': 'c2s',
  'auth/kick': 's2c',
  'presence/heartbeat': 'both',
  'presence/update': 'c2s',
  'presence/list': 'c2s',
  'presence/event': 's2c',
  'message/send': 'c2s',
  'message/ack': 'both',
  'message/history': 'c2s',
  'message/event': 's2c',
  'message/offline': 's2c',
  'file/request': 'c2s',
  'file/accept': 's2c',
  'file/chunk': 'both',
  'file/ack': 'both',
  'file/cancel': 'both',
  'control/ping': 'both',
  'control/error': 's2c',
  'notification/event': 's2c',
};

/** Our direction may be wider than the draft's (e.g. admins may send auth/kick), never narrower. */
function covers(ours: Direction, draft: Direction): boolean {
  return ours === draft || ours === 'both';
}

describe('commands', () => {
  it('every command is named domain/action and sits in the group of its domain', () => {
    for (const [domain, group] of Object.entries(CommandGroups)) {
      for (const info of Object.values(group)) {
        expect(info.name).toMatch(/^[a-z]+\/[a-z_]+$/);
        expect(info.name.split('/')[0]).toBe(domain);
      }
    }
  });

  it('names are unique and every command has a direction, a kind and a description', () => {
    const names = ALL_COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of ALL_COMMANDS) {
      expect(['c2s', 's2c', 'both']).toContain(c.direction);
      expect(['request', 'event']).toContain(c.kind);
      expect(c.description.length).toBeGreaterThan(10);
    }
  });

  it.each(Object.entries(DRAFT_COMMANDS))('covers draft command %s (%s)', (name, direction) => {
    const info = commandInfo(name);
    expect(info).toBeDefined();
    expect(covers(info!.direction, direction)).toBe(true);
  });

  it('server-only commands are events (the server never waits for an answer from a client)', () => {
    for (const c of ALL_COMMANDS.filter((x) => x.direction === 's2c')) expect(c.kind).toBe('event');
  });

  it('normalizes the dotted alias and leaves slashed names untouched', () => {
    expect(normalizeCommand('message.send')).toBe('message/send');
    expect(normalizeCommand('control.ping')).toBe('control/ping');
    const slashed = 'auth/login';
    expect(normalizeCommand(slashed)).toBe(slashed);
    expect(normalizeCommand('a.b.c')).toBe('a/b/c');
    expect(commandInfo(normalizeCommand('presence.heartbeat'))?.name).toBe('presence/heartbeat');
  });

  it('commandInfo returns undefined for unknown commands', () => {
    expect(commandInfo('nope/nothing')).toBeUndefined();
    expect(commandInfo('message.send')).toBeUndefined();
  });
});

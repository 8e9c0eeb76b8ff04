import { HELP_TEXT, parseCommand, usageOf } from '../../../src/client/cli/chat-commands';
import { exitCodeOf, parseCliArgs } from '../../../src/client/cli/chat-cli';

describe('chat CLI command parsing', () => {
  it('parses /to keeping the text verbatim (inner spacing included)', () => {
    expect(parseCommand('/to u-1a2b  hello   there  ')).toEqual({ ok: true, command: { kind: 'to', user: 'u-1a2b', text: 'hello   there' } });
  });

  it('parses /g, /history with and without a limit, and the argument-less commands', () => {
    expect(parseCommand('/g g-abc hi all')).toEqual({ ok: true, command: { kind: 'group-send', group: 'g-abc', text: 'hi all' } });
    // Groups by name: one word, or "quoted" with spaces.
    expect(parseCommand('/g "Project X" hi all')).toEqual({ ok: true, command: { kind: 'group-send', group: 'Project X', text: 'hi all' } });
    expect(parseCommand('/g team hi')).toEqual({ ok: true, command: { kind: 'group-send', group: 'team', text: 'hi' } });
    expect(parseCommand('/history d-u-1-u-2')).toEqual({ ok: true, command: { kind: 'history', conversation: 'd-u-1-u-2' } });
    expect(parseCommand('/history g-abc 20')).toEqual({ ok: true, command: { kind: 'history', conversation: 'g-abc', limit: 20 } });
    expect(parseCommand('/history @bob 5')).toEqual({ ok: true, command: { kind: 'history', conversation: '@bob', limit: 5 } });
    expect(parseCommand('/history "Project X"')).toEqual({ ok: true, command: { kind: 'history', conversation: 'Project X' } });
    expect(parseCommand('/ids on')).toEqual({ ok: true, command: { kind: 'ids', on: true } });
    // Changes to a message: an optional #seq (default: the newest fitting message), then the rest.
    expect(parseCommand('/edit @bob fixed typo')).toEqual({ ok: true, command: { kind: 'edit', conversation: '@bob', text: 'fixed typo' } });
    expect(parseCommand('/edit "Project X" #12 new text')).toEqual({ ok: true, command: { kind: 'edit', conversation: 'Project X', seq: 12, text: 'new text' } });
    expect(parseCommand('/recall @bob #3')).toEqual({ ok: true, command: { kind: 'recall', conversation: '@bob', seq: 3 } });
    expect(parseCommand('/react team #4 👍')).toEqual({ ok: true, command: { kind: 'react', conversation: 'team', seq: 4, emoji: '👍', remove: false } });
    expect(parseCommand('/unreact team :tada:')).toEqual({ ok: true, command: { kind: 'react', conversation: 'team', emoji: ':tada:', remove: true } });
    expect(parseCommand('/thread @bob #2 on it')).toEqual({ ok: true, command: { kind: 'thread', conversation: '@bob', seq: 2, text: 'on it' } });
    expect(parseCommand('/unpin @bob #2')).toEqual({ ok: true, command: { kind: 'pin', conversation: '@bob', seq: 2, remove: true } });
    expect(parseCommand('/mute team 30')).toEqual({ ok: true, command: { kind: 'mute', conversation: 'team', minutes: 30, off: false } });
    expect(parseCommand('/unmute team')).toEqual({ ok: true, command: { kind: 'mute', conversation: 'team', off: true } });
    expect(parseCommand('/inbox')).toEqual({ ok: true, command: { kind: 'inbox' } });
    expect(parseCommand('/search 评审 "quarterly report" in:@bob')).toEqual({ ok: true, command: { kind: 'search', query: '评审 "quarterly report" in:@bob' } });
    expect(parseCommand('/search')).toMatchObject({ ok: false, error: expect.stringMatching(/^usage: \/search <words>/) });
    expect(parseCommand('/send-direct bob /tmp/a b.pdf')).toEqual({ ok: true, command: { kind: 'send-direct', to: 'bob', path: '/tmp/a b.pdf' } });
    expect(parseCommand('/receive td-1 x.pdf')).toEqual({ ok: true, command: { kind: 'receive', transferId: 'td-1', dest: 'x.pdf' } });
    expect(parseCommand('/recall @bob #0')).toEqual({ ok: false, error: expect.stringMatching(/^usage: \/recall /) });
    expect(parseCommand('/mute team soon')).toEqual({ ok: false, error: expect.stringMatching(/^minutes must be a positive integer, got "soon"/) });
    expect(parseCommand('/ids maybe')).toEqual({ ok: false, error: 'usage: /ids on|off' });
    for (const kind of ['list', 'who', 'ping', 'help', 'quit'] as const) {
      expect(parseCommand(`/${kind}`)).toEqual({ ok: true, command: { kind } });
    }
    expect(parseCommand('/exit')).toEqual({ ok: true, command: { kind: 'quit' } });
    expect(parseCommand('/LIST')).toEqual({ ok: true, command: { kind: 'list' } });
  });

  it('parses /group create with plain and quoted names', () => {
    expect(parseCommand('/group create team u-1 u-2')).toEqual({ ok: true, command: { kind: 'group-create', name: 'team', members: ['u-1', 'u-2'] } });
    expect(parseCommand('/group create "Project X" u-1')).toEqual({ ok: true, command: { kind: 'group-create', name: 'Project X', members: ['u-1'] } });
  });

  it('parses /status with an optional text and any letter case', () => {
    expect(parseCommand('/status away at lunch')).toEqual({ ok: true, command: { kind: 'status', status: 'away', text: 'at lunch' } });
    expect(parseCommand('/status BUSY')).toEqual({ ok: true, command: { kind: 'status', status: 'busy' } });
  });

  it('treats an empty line as nothing to do', () => {
    expect(parseCommand('   ')).toEqual({ ok: true, command: null });
  });

  it.each([
    ['/to', 'usage: /to <username|user_id> <text>'],
    ['/to u-1', 'usage: /to <username|user_id> <text>'],
    ['/g g-1', 'usage: /g <group name|group_id> <text>'],
    ['/group', 'usage: /group create <name> <username...>'],
    ['/group delete x u-1', 'usage: /group create <name> <username...>'],
    ['/group create team', 'name at least one member; usage: /group create <name> <username...>'],
    ['/history', 'usage: /history <@user|group name|id> [limit]'],
    ['/history g-1 0', 'limit must be an integer from 1 to 100, got "0"; usage: /history <@user|group name|id> [limit]'],
    ['/history g-1 abc', 'limit must be an integer from 1 to 100, got "abc"; usage: /history <@user|group name|id> [limit]'],
    ['/history g-1 5 6', 'usage: /history <@user|group name|id> [limit]'],
    ['/status', 'usage: /status online|away|busy|invisible [text]'],
    ['/status offline', 'unknown status "offline"; usage: /status online|away|busy|invisible [text]'],
    ['/who now', '/who takes no arguments; usage: /who'],
  ])('%s → a usage line', (line, error) => {
    expect(parseCommand(line)).toEqual({ ok: false, error });
  });

  it('refuses unknown commands and plain text with a pointer to /help', () => {
    expect(parseCommand('/frobnicate x')).toEqual({ ok: false, error: 'unknown command "/frobnicate" (/help lists the commands)' });
    const plain = parseCommand('hello');
    expect(plain.ok).toBe(false);
    expect(!plain.ok && plain.error).toMatch(/^not a command: .*\/to <username> <text>.*\/help/);
  });

  it('lists every command in the help text', () => {
    for (const cmd of ['/to', '/group create', '/g', '/history', '/list', '/who', '/status', '/ping', '/help', '/quit']) {
      expect(HELP_TEXT).toContain(cmd);
    }
    expect(usageOf('nope')).toBe('usage: /help');
  });
});

describe('chat CLI arguments', () => {
  it('has defaults and reads every flag (both --flag value and --flag=value)', () => {
    expect(parseCliArgs(['--user', 'alice'])).toEqual({ host: '127.0.0.1', port: 9400, user: 'alice', register: false, device: 'cli', ids: false });
    expect(parseCliArgs(['--host=example.org', '--port', '9500', '--user=bob', '--register', '--device', 'laptop', '--ids', '--state-dir', '/tmp/s'])).toEqual({
      host: 'example.org',
      port: 9500,
      user: 'bob',
      register: true,
      device: 'laptop',
      ids: true,
      stateDir: '/tmp/s',
    });
    expect(parseCliArgs(['--user', 'a', '--no-state']).stateDir).toBe(false);
    // --help needs nothing else (the usage is printed, exit 0).
    expect(parseCliArgs(['--help']).help).toBe(true);
    expect(parseCliArgs(['-h']).help).toBe(true);
  });

  it('says what is wrong with bad arguments', () => {
    expect(() => parseCliArgs([])).toThrow('--user is required');
    expect(() => parseCliArgs(['--user'])).toThrow('--user needs a value');
    expect(() => parseCliArgs(['--user', 'a', '--port', '70000'])).toThrow('--port must be an integer from 1 to 65535, got "70000"');
    expect(() => parseCliArgs(['--user', 'a', '--password', 'x'])).toThrow('unknown argument "--password" (--help lists the options)');
  });

  it('maps how the session ended to an exit code', () => {
    expect(exitCodeOf({ kind: 'quit' })).toBe(0);
    expect(exitCodeOf({ kind: 'closed' })).toBe(1);
    expect(exitCodeOf({ kind: 'kicked', reason: 'admin' })).toBe(3);
  });
});

describe('chat CLI people commands', () => {
  it('parses /add with a note, /accept, /block, /contacts [filter], /whois, /find', () => {
    expect(parseCommand('/add alice  hi there')).toEqual({ ok: true, command: { kind: 'contact', action: 'add', user: 'alice', note: 'hi there' } });
    expect(parseCommand('/accept bob')).toEqual({ ok: true, command: { kind: 'contact', action: 'accept', user: 'bob' } });
    expect(parseCommand('/block eve')).toEqual({ ok: true, command: { kind: 'contact', action: 'block', user: 'eve' } });
    expect(parseCommand('/contacts')).toEqual({ ok: true, command: { kind: 'contacts' } });
    expect(parseCommand('/contacts Incoming')).toEqual({ ok: true, command: { kind: 'contacts', state: 'incoming' } });
    expect(parseCommand('/whois alice')).toEqual({ ok: true, command: { kind: 'whois', user: 'alice' } });
    expect(parseCommand('/find ali')).toEqual({ ok: true, command: { kind: 'find', query: 'ali' } });
  });

  it('answers misuse with the usage line', () => {
    expect(parseCommand('/add')).toEqual({ ok: false, error: 'usage: /add <username> [note]' });
    expect(parseCommand('/accept bob now')).toEqual({ ok: false, error: '/accept takes one username; usage: /accept <username>' });
    expect(parseCommand('/contacts friends')).toEqual({ ok: false, error: 'unknown filter "friends"; usage: /contacts [accepted|incoming|outgoing|blocked]' });
    expect(parseCommand('/whois')).toEqual({ ok: false, error: 'usage: /whois <username>' });
  });
});

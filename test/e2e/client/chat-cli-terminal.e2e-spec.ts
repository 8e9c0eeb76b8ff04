/**
 * The built chat CLI in real terminals (tmux panes: a TTY, the prompt, line redraws), as two people
 * use it: they chat by username; alice quits, bob writes three messages and sends a file, alice
 * starts again and sees only what is new, in time order, under a "new since" marker (her state
 * folder remembers where she was); the file downloads under its own name; her unread count
 * follows what she was shown. Every wait polls the screen for a line (no fixed sleeps).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeWith } from '../../support/requires';
import { spawnServer, SpawnedServer } from '../../support/spawn-server';
import { createTestDatabase, TestDatabase } from '../../support/test-db';
import { registerUser, RegisteredUser } from '../../support/users';

const CLI_ENTRY = path.resolve(__dirname, '../../../dist/src/client/cli/chat-cli.js');
/** A private tmux server: never the tester's own sessions. */
const SOCKET = `sb-chat-${process.pid}`;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

class Pane {
  constructor(readonly name: string) {}

  static start(name: string, cwd: string, env: Record<string, string>, args: string[]): Pane {
    const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    tmux(
      'new-session',
      '-d',
      '-s',
      name,
      '-x',
      '200',
      '-y',
      '50',
      '-c',
      cwd,
      'env',
      ...vars,
      process.execPath,
      CLI_ENTRY,
      ...args,
    );
    return new Pane(name);
  }

  /** The whole scrollback, one string per line, trailing blanks dropped. */
  screen(): string[] {
    return tmux('capture-pane', '-p', '-J', '-t', this.name, '-S', '-2000')
      .split('\n')
      .map((l) => l.trimEnd());
  }

  type(line: string): void {
    tmux('send-keys', '-t', this.name, '-l', '--', line);
    tmux('send-keys', '-t', this.name, 'Enter');
  }

  get alive(): boolean {
    try {
      tmux('has-session', '-t', this.name);
      return true;
    } catch {
      return false;
    }
  }

  /** Polls the screen until a line matches (the CLI prints asynchronously to a terminal). */
  async waitFor(re: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.alive ? this.screen().find((l) => re.test(l)) : undefined;
      if (hit !== undefined) return hit;
      if (Date.now() > deadline)
        throw new Error(
          `no line matching ${re} on ${this.name} within ${timeoutMs} ms:\n${this.alive ? this.screen().join('\n') : '(pane closed)'}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async waitClosed(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.alive) {
      if (Date.now() > deadline)
        throw new Error(`${this.name} still running:\n${this.screen().join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describeWith({ tmux: true }, 'chat CLI in a terminal (tmux)', () => {
  let db: TestDatabase;
  let server: SpawnedServer;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-chat-term-'));
  const state = path.join(tmp, 'state');
  const aliceDir = path.join(tmp, 'alice');
  const bobDir = path.join(tmp, 'bob');

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await spawnServer(db.env);
    [alice, bob] = [
      await registerUser(server, { prefix: 'alice' }),
      await registerUser(server, { prefix: 'bob' }),
    ];
    fs.mkdirSync(aliceDir);
    fs.mkdirSync(bobDir);
  }, 120_000);
  afterAll(async () => {
    try {
      tmux('kill-server');
    } catch {
      /* no session left */
    }
    await server?.stop();
    await db?.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const cli = (who: RegisteredUser, dir: string, name: string) =>
    Pane.start(name, dir, { SWITCHBOARD_PASSWORD: who.password, SWITCHBOARD_STATE_DIR: state }, [
      '--port',
      String(server.tcpPort),
      '--user',
      who.username,
    ]);

  it('chat by username; a restart shows only what is new, in time order; a file keeps its name', async () => {
    let a = cli(alice, aliceDir, 'alice-1');
    const b = cli(bob, bobDir, 'bob');
    await a.waitFor(new RegExp(`^logged in as ${alice.username}; `));
    await b.waitFor(new RegExp(`^logged in as ${bob.username}; `));

    a.type(`/to ${bob.username} hello bob`);
    await b.waitFor(
      new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\] @${alice.username} <${alice.username}> hello bob$`),
    );
    b.type(`/to ${alice.username} hi alice`);
    await a.waitFor(new RegExp(`@${bob.username} <${bob.username}> hi alice$`));
    // No ids anywhere unless asked for.
    expect(a.screen().join('\n')).not.toMatch(/\bu-[0-9a-f]{16}\b|\bd-u-/);

    a.type('/quit');
    await a.waitClosed();

    for (const n of [1, 2, 3]) {
      b.type(`/to ${alice.username} new ${n}`);
      await b.waitFor(new RegExp(`^→ sent to @${alice.username}$`));
    }
    const report = path.join(bobDir, 'report.txt');
    fs.writeFileSync(report, 'quarterly numbers\n');
    b.type(`/send-file ${alice.username} ${report}`);
    await b.waitFor(/^✓ uploaded report\.txt /);

    a = cli(alice, aliceDir, 'alice-2');
    const marker = await a.waitFor(/^── \d+ new since \d\d:\d\d:\d\d ──$/);
    expect(marker).toMatch(/^── 4 new since /);
    const fileLine = await a.waitFor(/\[file\] report\.txt \(18 bytes\) f-[0-9a-f]+ — \/get f-/);
    const screen = a.screen();
    const from = screen.indexOf(marker);
    const shown = screen.slice(from + 1, screen.indexOf(fileLine) + 1);
    expect(shown.map((l) => l.replace(/^\[\d\d:\d\d:\d\d\] /, ''))).toEqual([
      `@${bob.username} <${bob.username}> new 1`,
      `@${bob.username} <${bob.username}> new 2`,
      `@${bob.username} <${bob.username}> new 3`,
      expect.stringMatching(
        new RegExp(`^@${bob.username} <${bob.username}> \\[file\\] report\\.txt`),
      ),
    ]);
    // What was already seen before the restart is not shown again.
    expect(screen.filter((l) => /hello bob|hi alice/.test(l))).toEqual([]);

    const fileId = /\/get (f-[0-9a-f]+)/.exec(fileLine)![1];
    a.type(`/get ${fileId}`);
    await a.waitFor(new RegExp(`^✓ downloaded ${fileId} to report\\.txt `));
    expect(fs.readFileSync(path.join(aliceDir, 'report.txt'), 'utf8')).toBe('quarterly numbers\n');
    // A second /get never overwrites: it picks a free name and says so.
    a.type(`/get ${fileId}`);
    await a.waitFor(/^report\.txt exists here: saving as report \(1\)\.txt$/);
    await a.waitFor(new RegExp(`^✓ downloaded ${fileId} to report \\(1\\)\\.txt `));

    // Unread counts follow what was shown: nothing of bob's is unread for alice.
    a.type('/list');
    const entry = await a.waitFor(new RegExp(`^  @${bob.username}  direct with ${bob.username}`));
    expect(entry).not.toMatch(/unread/);
    a.type('/quit');
    b.type('/quit');
    await a.waitClosed();
    await b.waitClosed();
  }, 90_000);
});

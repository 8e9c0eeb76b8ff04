/**
 * Smoke test of the BUILT chat CLI as users run it (`node dist/src/client/cli/chat-cli.js`, what
 * `npm run chat` starts): two CLI processes with scripted stdin against the built server process.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { uniqueUsername } from '../../support/users';
import { LineLog } from '../../support/chat-helpers';
import { spawnServer, SpawnedServer } from '../../support/spawn-server';
import { createTestDatabase, TestDatabase } from '../../support/test-db';

const CLI_ENTRY = path.resolve(__dirname, '../../../dist/src/client/cli/chat-cli.js');

interface CliProcess {
  child: ChildProcess;
  out: LineLog;
  err: LineLog;
  send(line: string): void;
  exited: Promise<number | null>;
}

function collect(stream: NodeJS.ReadableStream, log: LineLog): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    rest += chunk;
    const parts = rest.split('\n');
    rest = parts.pop()!;
    for (const line of parts) log.push(line);
  });
}

/** Each CLI keeps its state in a fresh folder (never the tester's ~/.switchboard). */
const STATE = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-cli-state-'));

function startCli(port: number, args: string[], password: string): CliProcess {
  const child = spawn(process.execPath, [CLI_ENTRY, '--port', String(port), ...args], {
    env: { ...process.env, SWITCHBOARD_PASSWORD: password, SWITCHBOARD_STATE_DIR: STATE },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out = new LineLog();
  const err = new LineLog();
  collect(child.stdout!, out);
  collect(child.stderr!, err);
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, out, err, send: (line) => child.stdin!.write(`${line}\n`), exited };
}

describe('chat CLI process (built)', () => {
  let db: TestDatabase;
  let server: SpawnedServer;
  const clis: CliProcess[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    server = await spawnServer(db.env); // builds dist/ first when it is stale
  }, 120_000);
  afterAll(async () => {
    for (const cli of clis) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    await server?.stop();
    await db?.drop();
  });

  it('two users chat through the CLI: message, receipt, history, usage line, clean exit', async () => {
    const bobName = uniqueUsername('bob');
    const aliceName = uniqueUsername('alice');
    const bob = startCli(server.tcpPort, ['--user', bobName, '--register', '--device', 'term2'], 'bob-password-1');
    clis.push(bob);
    await bob.out.waitFor(/^logged in as /, { timeoutMs: 20_000 });

    const alice = startCli(server.tcpPort, ['--user', aliceName, '--register'], 'alice-password-1');
    clis.push(alice);
    await alice.out.waitFor(/^logged in as /, { timeoutMs: 20_000 });

    alice.send(`/to ${bobName} hi from the terminal`);
    await alice.out.waitFor(new RegExp(`^→ sent to @${bobName}$`));
    await bob.out.waitFor(new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\] @${aliceName} <${aliceName}> hi from the terminal$`));
    await alice.out.waitFor(new RegExp(`^✓ @${bobName} #1 read by ${bobName}$`));

    alice.send(`/history @${bobName}`);
    await alice.out.waitFor(new RegExp(`^  \\[.{8}\\] @${bobName} <me> hi from the terminal$`));
    alice.send('/to');
    await alice.out.waitFor(/^usage: \/to <username\|user_id> <text>$/);
    alice.send('/quit');
    await expect(alice.exited).resolves.toBe(0);

    // End of input quits too.
    bob.child.stdin!.end();
    await expect(bob.exited).resolves.toBe(0);
    // The password never reaches the output.
    for (const line of [...alice.out.lines, ...alice.err.lines, ...bob.out.lines, ...bob.err.lines]) expect(line).not.toMatch(/password-1/);
    expect(alice.err.lines.filter((l) => l !== '')).toEqual([]);
  }, 60_000);

  it('--help prints the usage and exits 0', async () => {
    const help = startCli(server.tcpPort, ['--help'], 'unused-123');
    await expect(help.exited).resolves.toBe(0);
    expect(help.out.lines[0]).toMatch(/^usage: npm run chat -- \(--user <name> \[--provider <name>\] \| --sso <provider>\)/);
    expect(help.err.lines.filter((l) => l !== '')).toEqual([]);
  }, 30_000);

  it('exits 2 with the usage on bad arguments, 1 when it cannot log in', async () => {
    const bad = startCli(server.tcpPort, ['--port', 'x'], 'whatever-123');
    await expect(bad.exited).resolves.toBe(2);
    expect(bad.err.lines[0]).toBe('error: --port must be an integer from 1 to 65535, got "x"');
    expect(bad.err.lines[1]).toMatch(/^usage: npm run chat -- \(--user <name> \[--provider <name>\] \| --sso <provider>\)/);

    const wrong = startCli(server.tcpPort, ['--user', uniqueUsername('nobody')], 'wrong-password');
    await expect(wrong.exited).resolves.toBe(1);
    expect(wrong.out.lines).toContainEqual(expect.stringMatching(/^! auth\/login failed: 401 INVALID_CREDENTIALS: /));
  }, 30_000);

  it('quits cleanly on SIGTERM', async () => {
    const cli = startCli(server.tcpPort, ['--user', uniqueUsername('term'), '--register'], 'term-password-1');
    clis.push(cli);
    await cli.out.waitFor(/^logged in as /, { timeoutMs: 20_000 });
    cli.child.kill('SIGTERM');
    await expect(cli.exited).resolves.toBe(0);
  }, 30_000);
});

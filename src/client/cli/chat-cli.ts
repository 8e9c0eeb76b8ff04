#!/usr/bin/env node
/**
 * Chat CLI: `npm run chat -- --host 127.0.0.1 --port 9400 --user alice [--register] [--device cli]`.
 * The terminal wiring only: argument parsing, the password prompt and readline. Everything the
 * chat does is in ChatSession (chat-session.ts) on top of the SDK's SwitchboardSession, which
 * also reconnects by itself when the connection drops (and the chat says so).
 *
 * Exit codes: 0 after /quit (or end of input), 1 connection/login failure or the server closed
 * the connection, 2 bad arguments, 3 signed out by the server (auth/kick).
 */
import { createInterface, Interface } from 'node:readline';
import { Writable } from 'node:stream';
import { ChatSession, EndReason } from './chat-session';
import { defaultStateDir } from './chat-state';

export const CLI_USAGE = `usage: npm run chat -- (--user <name> [--provider <name>] | --sso <provider>) [--host 127.0.0.1] [--port 9400] [--register] [--device cli] [--ids] [--state-dir <dir> | --no-state]
  --user       account to log in as (required unless --sso)
  --provider   sign in with a username + password provider of auth/providers (e.g. ldap)
  --sso        sign in with an OpenID Connect provider of auth/providers, in a browser on any
               device (prints the address and the code to enter; no password here)
  --register   create the account first (an existing name just logs in)
  --device     client_info.device of the login (sessions are per device), default "cli"
  --ids        show ids (users, conversations, seqs) next to names; /ids on|off toggles it
  --state-dir  where this account's place in the conversations is kept between runs
               (default ~/.switchboard/<host>_<port>/<user>, or $SWITCHBOARD_STATE_DIR/…)
  --no-state   keep nothing: every run starts from the beginning of history
  --help       this text
  The password comes from SWITCHBOARD_PASSWORD, or is asked for (not echoed).`;

export interface CliArgs {
  host: string;
  port: number;
  user: string;
  /** Username + password provider (auth/login {provider}). */
  provider?: string;
  /** OpenID Connect provider for the device sign-in. */
  sso?: string;
  register: boolean;
  device: string;
  ids: boolean;
  /** undefined: the default folder; false: none. */
  stateDir?: string | false;
  help?: boolean;
}

/** Parses argv (without node and the script); throws an Error whose message says what is wrong. */
export function parseCliArgs(argv: string[]): CliArgs {
  const args: CliArgs = { host: '127.0.0.1', port: 9400, user: '', register: false, device: 'cli', ids: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--host':
        args.host = value();
        break;
      case '--port': {
        const v = value();
        const port = Number(v);
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port must be an integer from 1 to 65535, got "${v}"`);
        args.port = port;
        break;
      }
      case '--user':
        args.user = value();
        break;
      case '--device':
        args.device = value();
        break;
      case '--provider':
        args.provider = value();
        break;
      case '--sso':
        args.sso = value();
        break;
      case '--register':
        args.register = true;
        break;
      case '--ids':
        args.ids = true;
        break;
      case '--state-dir':
        args.stateDir = value();
        break;
      case '--no-state':
        args.stateDir = false;
        break;
      case '--help':
      case '-h':
        args.help = true;
        return args;
      default:
        throw new Error(`unknown argument "${arg}" (--help lists the options)`);
    }
  }
  if (args.sso !== undefined) {
    if (args.provider !== undefined || args.register) throw new Error('--sso signs in through the provider: no --provider or --register with it');
  } else if (!args.user) throw new Error('--user is required (or --sso <provider>)');
  return args;
}

export function exitCodeOf(reason: EndReason): number {
  return reason.kind === 'quit' ? 0 : reason.kind === 'kicked' ? 3 : 1;
}

/** Asks for the password on a terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve) => {
    let muted = false;
    const output = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        if (!muted) process.stderr.write(chunk);
        cb();
      },
    });
    const rl = createInterface({ input: process.stdin, output, terminal: true });
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    muted = true;
  });
}

/** Prints a line without breaking the prompt the user is typing on. */
function printer(rl: () => Interface | undefined): (line: string) => void {
  return (line) => {
    const r = rl();
    if (!r || !r.terminal) {
      process.stdout.write(`${line}\n`);
      return;
    }
    process.stdout.write('\r\x1b[K');
    process.stdout.write(`${line}\n`);
    r.prompt(true);
  };
}

/** On a terminal, redraws one progress line in place (stderr, so stdout stays the chat lines). */
function progressPrinter(): ((line: string) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (line) => process.stderr.write(`\r\x1b[K${line}`);
}

export async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n${CLI_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${CLI_USAGE}\n`);
    return 0;
  }
  const password =
    args.sso !== undefined ? '' : (process.env.SWITCHBOARD_PASSWORD ?? (process.stdin.isTTY ? await promptHidden(`password for ${args.user}: `) : undefined));
  if (args.sso === undefined && !password) {
    process.stderr.write('error: no password: set SWITCHBOARD_PASSWORD or run in a terminal to be asked\n');
    return 2;
  }

  const term: { rl?: Interface } = {};
  const stateDir = args.stateDir === false ? undefined : (args.stateDir ?? defaultStateDir(args.host, args.port, args.user || `sso-${args.sso}`));
  const session = new ChatSession({ host: args.host, port: args.port, print: printer(() => term.rl), progress: progressPrinter(), device: args.device, showIds: args.ids, stateDir });
  // Installed before the login so a signal at any point ends the session cleanly.
  process.once('SIGTERM', () => (term.rl ? term.rl.close() : void session.quit()));
  let ok = false;
  try {
    if (args.sso !== undefined) ok = await session.deviceLogin(args.sso);
    else ok = (!args.register || (await session.register(args.user, password as string))) && (await session.login(args.user, password, { provider: args.provider }));
  } catch (err) {
    process.stderr.write(`error: cannot connect to ${args.host}:${args.port}: ${(err as Error).message}\n`);
    return 1;
  }
  if (!ok) {
    await session.quit();
    return 1;
  }

  // Piped (scripts, tests): no prompt, so the output is exactly the printed lines.
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const rl = (term.rl = createInterface({ input: process.stdin, output: process.stdout, terminal: interactive }));
  rl.setPrompt(`${session.username ?? args.user}> `);
  if (interactive) rl.prompt();
  // Lines run one at a time, in order, even when piped in faster than the server answers.
  let queue = Promise.resolve(true);
  rl.on('line', (line) => {
    queue = queue.then(async (more) => {
      if (!more) return false;
      const keepGoing = await session.execute(line);
      if (keepGoing && interactive) rl.prompt();
      return keepGoing;
    });
  });
  // Ctrl-C on the terminal (readline would only pause) ends the session like /quit.
  rl.on('SIGINT', () => rl.close());
  // End of input (Ctrl-D, or the end of a piped script) quits after the queued commands.
  rl.on('close', () => {
    queue = queue.then(async (more) => {
      if (more) await session.quit();
      return false;
    });
  });
  const reason = await session.ended;
  rl.close();
  return exitCodeOf(reason);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

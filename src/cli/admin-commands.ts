/**
 * The admin CLI's commands as plain functions over the auth services, so tests can run them
 * against a real database without spawning a process. `admin.ts` wires them to argv and stdio.
 */
import type { SessionsService } from '../modules/auth/sessions.service';
import type { MessageSearchIndexer } from '../modules/message';
import type { UsersService } from '../modules/auth/users.service';
import type { PushTester } from '../modules/push';
import { ProtocolError } from '../shared/protocol';

export interface AdminServices {
  users: UsersService;
  sessions: SessionsService;
  searchIndex: MessageSearchIndexer;
  /** push:test (optional: callers that never test pushes may leave it out). */
  push?: PushTester;
}

export interface AdminIo {
  out(line: string): void;
  /** Reads the new user's password (stdin pipe or an interactive prompt). */
  readPassword(): Promise<string>;
}

export class UsageError extends Error {}

export const USAGE = `Usage: npm run admin -- <command> [arguments]

  user:create <username> [--admin] [--display-name <name>]
                                   create an account; the password is read from stdin
                                   (first line) or prompted for on a terminal
  user:disable <username>          disable an account and revoke (kick) all its sessions
  user:enable <username>           re-enable a disabled account
  user:promote <username>          give the admin role
  user:list                        list accounts (id, username, role, created, disabled)
  session:list <username>          list the active sessions of an account
  session:revoke <session-id>      revoke a session; its connections are kicked
  search:reindex [--batch <n>] [--batches <n>] [--restart]
                                   rebuild the message search index while the server runs.
                                   SQLite: in batches of <n> rows (default 2000), newest
                                   first, resumable (a second run continues; --batches stops
                                   after <n> batches; --restart starts over). PostgreSQL:
                                   creates missing/invalid indexes CONCURRENTLY (--restart:
                                   REINDEX CONCURRENTLY)
  push:test <username>             send a test notification to each of the user's push devices
                                   and print what each provider answered (dead tokens removed)

The CLI uses the server's configuration (DATABASE_URL / SQLITE_PATH, ...) from the environment.`;

function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString();
}

async function requireUser(services: AdminServices, username: string | undefined) {
  if (!username) throw new UsageError('missing <username>');
  const user = await services.users.findByUsername(username);
  if (!user) throw new UsageError(`no user named "${username}"`);
  return user;
}

/** Runs one command; returns the process exit code. Throws UsageError for bad arguments. */
export async function runAdminCommand(argv: string[], services: AdminServices, io: AdminIo): Promise<number> {
  const [command, ...rest] = argv;
  const flags = new Set(rest.filter((a) => a.startsWith('--')));
  const positional = rest.filter((a, i) => !a.startsWith('--') && !['--display-name', '--batch', '--batches'].includes(rest[i - 1]));
  switch (command) {
    case 'user:create': {
      const username = positional[0];
      if (!username) throw new UsageError('missing <username>');
      const nameIndex = rest.indexOf('--display-name');
      const displayName = nameIndex >= 0 ? rest[nameIndex + 1] : undefined;
      const password = await io.readPassword();
      try {
        const user = await services.users.create({ username, password, displayName, role: flags.has('--admin') ? 'admin' : 'user' });
        io.out(`created ${user.role} ${user.username} (${user.id})`);
        return 0;
      } catch (err) {
        if (err instanceof ProtocolError) throw new UsageError(err.message);
        throw err;
      }
    }
    case 'user:disable': {
      const user = await requireUser(services, positional[0]);
      await services.users.setDisabled(user.id, true);
      const revoked = await services.sessions.revokeAndKick(await services.sessions.activeIds(user.id), 'user_disabled');
      io.out(`disabled ${user.username} (${user.id}); revoked ${revoked.length} session(s)`);
      return 0;
    }
    case 'user:enable': {
      const user = await requireUser(services, positional[0]);
      await services.users.setDisabled(user.id, false);
      io.out(`enabled ${user.username} (${user.id})`);
      return 0;
    }
    case 'user:promote': {
      const user = await requireUser(services, positional[0]);
      await services.users.setRole(user.id, 'admin');
      io.out(`${user.username} (${user.id}) is now an admin`);
      return 0;
    }
    case 'user:list': {
      io.out(['id', 'username', 'role', 'created_at', 'disabled_at'].join('\t'));
      for (const u of await services.users.list()) {
        io.out([u.id, u.username, u.role, iso(u.createdAt), iso(u.disabledAt)].join('\t'));
      }
      return 0;
    }
    case 'session:list': {
      const user = await requireUser(services, positional[0]);
      io.out(['session_id', 'device', 'client_version', 'remote_address', 'created_at', 'last_used_at', 'expires_at'].join('\t'));
      for (const s of await services.sessions.listActive(user.id)) {
        io.out(
          [s.session_id, s.device, s.client_version ?? '-', s.remote_address ?? '-', iso(s.created_at * 1000), iso(s.last_used_at * 1000), iso(s.expires_at * 1000)].join('\t'),
        );
      }
      return 0;
    }
    case 'session:revoke': {
      const sessionId = positional[0];
      if (!sessionId) throw new UsageError('missing <session-id>');
      const session = await services.sessions.findById(sessionId);
      if (!session) throw new UsageError(`no session "${sessionId}"`);
      const revoked = await services.sessions.revokeAndKick([sessionId], 'admin');
      io.out(revoked.length > 0 ? `revoked ${sessionId}` : `${sessionId} was already revoked`);
      return 0;
    }
    case 'search:reindex': {
      const batchSize = numberFlag(rest, '--batch');
      const maxBatches = numberFlag(rest, '--batches');
      await services.searchIndex.reindex({ batchSize, maxBatches, restart: flags.has('--restart'), log: io.out });
      return 0;
    }
    case 'push:test': {
      const user = await requireUser(services, positional[0]);
      if (!services.push) throw new UsageError('push:test is not available here');
      const results = await services.push.test(user.id);
      if (results.length === 0) io.out(`${user.username} has no push device registered (push/register)`);
      for (const r of results) io.out([r.deviceId, r.platform, r.outcome].join('\t'));
      return results.length > 0 && results.every((r) => r.outcome === 'sent') ? 0 : 1;
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'missing command');
  }
}

/** `--name <positive integer>`, or undefined when absent. */
function numberFlag(args: string[], name: string): number | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = Number(args[i + 1]);
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`${name} needs a positive integer`);
  return value;
}

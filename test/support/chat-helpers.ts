/**
 * Helpers for the chat CLI tests: a line log that tests wait on (never sleep), and ChatSessions
 * connected to a test app.
 */
import { ChatSession } from '../../src/client/cli/chat-session';
import type { SwitchboardClient } from '../../src/client/switchboard-client';
import { newCredentials } from './users';
import type { TestApp } from './test-app';

interface LineWaiter {
  re: RegExp;
  resolve(line: string): void;
  timer: NodeJS.Timeout;
}

/** Collects printed lines (multi-line prints are split) and resolves waits on them. */
export class LineLog {
  readonly lines: string[] = [];
  private waiters: LineWaiter[] = [];

  readonly push = (text: string): void => {
    for (const line of text.split('\n')) {
      this.lines.push(line);
      this.waiters = this.waiters.filter((w) => {
        if (!w.re.test(line)) return true;
        clearTimeout(w.timer);
        w.resolve(line);
        return false;
      });
    }
  };

  /** The first line (already printed, unless includePast is false, or future) matching `re`. */
  waitFor(re: RegExp, options: { timeoutMs?: number; includePast?: boolean } = {}): Promise<string> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const seen = options.includePast === false ? undefined : this.lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter: LineWaiter = {
        re,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`no line matching ${re} within ${timeoutMs} ms; got:\n${this.lines.join('\n')}`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Resolves once `count` lines match. */
  async waitForCount(re: RegExp, count: number, timeoutMs = 10_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.filter((l) => re.test(l));
      if (found.length >= count) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`only ${found.length}/${count} lines matching ${re}; got:\n${this.lines.join('\n')}`);
      await this.waitFor(re, { includePast: false, timeoutMs: left });
    }
  }
}

export interface ChatUser {
  session: ChatSession;
  /** The SDK session's current connection (changes after a reconnect). */
  readonly client: SwitchboardClient;
  out: LineLog;
  username: string;
  password: string;
  userId: string;
}

/** A ChatSession on a fresh connection that registers (unless told not to) and logs in. */
export async function chatUser(app: TestApp, opts: { username?: string; password?: string; register?: boolean; device?: string } = {}): Promise<ChatUser> {
  const fresh = newCredentials('chat');
  const username = opts.username ?? fresh.username;
  const password = opts.password ?? fresh.password;
  const out = new LineLog();
  const session = new ChatSession({ port: app.tcpPort, print: out.push, device: opts.device, reconnect: { baseMs: 50, maxMs: 500 } });
  if (opts.register !== false && !(await session.register(username, password))) throw new Error(`register failed:\n${out.lines.join('\n')}`);
  if (!(await session.login(username, password))) throw new Error(`login failed:\n${out.lines.join('\n')}`);
  // The connection in use, or the last one once closed (tests check that it is closed).
  let last = session.session!.connection!;
  session.session!.on('connected', () => (last = session.session!.connection ?? last));
  return {
    session,
    get client() {
      return session.session!.connection ?? last;
    },
    out,
    username,
    password,
    userId: session.userId!,
  };
}

export function directId(a: string, b: string): string {
  return a < b ? `d-${a}-${b}` : `d-${b}-${a}`;
}

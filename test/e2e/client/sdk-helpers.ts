/** Helpers of the SDK e2e specs: sessions against a test app, message collection. */
import { SwitchboardSession, SessionEvents, SessionOptions } from '../../../src/client/session';
import type { WireMessage } from '../../../src/shared/protocol/messages/message.messages';

/** Every `message` event of a session, with a wait for a count (never a sleep). */
export class Inbox {
  readonly messages: WireMessage[] = [];
  private waiters: { count: number; resolve(): void }[] = [];

  constructor(session: SwitchboardSession) {
    session.on('message', (m) => {
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => (this.messages.length >= w.count ? (w.resolve(), false) : true));
    });
  }

  waitForCount(count: number, timeoutMs = 20_000): Promise<WireMessage[]> {
    if (this.messages.length >= count) return Promise.resolve(this.messages);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.messages.length}/${count} messages within ${timeoutMs} ms: ${this.messages.map((m) => m.seq).join(',')}`)), timeoutMs);
      this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve(this.messages)) });
    });
  }
}

/** Resolves with the arguments of the next `event` of the session. */
export function next<K extends keyof SessionEvents>(session: SwitchboardSession, event: K, timeoutMs = 20_000): Promise<SessionEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${String(event)} within ${timeoutMs} ms`)), timeoutMs);
    session.once(event, ((...args: SessionEvents[K]) => {
      clearTimeout(timer);
      resolve(args);
    }) as never);
  });
}

/** Fast reconnects for tests (the delays are still real exponential backoff with jitter). */
export const FAST: Partial<SessionOptions> = { reconnect: { baseMs: 50, maxMs: 500 }, retryBackoff: { baseMs: 50, maxMs: 200 }, requestTimeoutMs: 10_000 };

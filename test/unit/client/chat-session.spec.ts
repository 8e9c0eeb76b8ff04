/**
 * ChatSession's ack bookkeeping against a scripted transport: which message/ack requests go out
 * for which pushes (the e2e tests cover the real server; here the interleavings are exact).
 */
import { EventEmitter } from 'node:events';
import type { Envelope } from '../../../src/shared/protocol';
import type { ResponsePayload } from '../../../src/client/switchboard-client';
import { ChatSession, ChatTransport } from '../../../src/client/cli/chat-session';

class FakeTransport extends EventEmitter implements ChatTransport {
  token?: string;
  isOpen = true;
  readonly requests: { command: string; payload: Record<string, unknown> }[] = [];
  readonly sentEvents: string[] = [];
  private markClosed!: () => void;
  readonly closed = new Promise<void>((resolve) => (this.markClosed = resolve));

  request(command: string, payload: Record<string, unknown> = {}): Promise<Envelope<ResponsePayload>> {
    this.requests.push({ command, payload });
    const answer: ResponsePayload =
      command === 'auth/login'
        ? { status: 200, token: 't1', refresh_token: 'rt_1', user_id: 'u-me', session_id: 's-1', expires_in: 900, heartbeat_interval: 30 }
        : { status: 200 };
    return Promise.resolve({ id: 'x', type: 'response', timestamp: 0, command, headers: {}, payload: answer });
  }

  sendEvent(command: string): void {
    this.sentEvents.push(command);
  }

  close(): Promise<void> {
    this.isOpen = false;
    this.markClosed();
    return this.closed;
  }

  push(command: string, payload: Record<string, unknown>): void {
    this.emit('event', { id: 'e', type: 'event', timestamp: 0, command, headers: {}, payload } as Envelope);
  }

  acks(): string[] {
    return this.requests.filter((r) => r.command === 'message/ack').map((r) => `${r.payload.conversation_id}#${r.payload.seq}`);
  }
}

const msg = (conversation_id: string, seq: number) => ({ message_id: `m-${seq}`, conversation_id, seq, sender_id: 'u-peer', sent_at_ms: 0, content: { type: 'text', text: `t${seq}` } });

async function loggedIn(): Promise<{ t: FakeTransport; lines: string[]; session: ChatSession }> {
  const t = new FakeTransport();
  const lines: string[] = [];
  const session = new ChatSession(t, { print: (l) => lines.push(l) });
  await session.login('me', 'secret-password');
  return { t, lines, session };
}

describe('ChatSession acks', () => {
  it('acks the newest seq of each conversation of an offline batch (which releases the next one)', async () => {
    const { t, session } = await loggedIn();
    t.push('message/offline', { messages: [msg('d-a', 1), msg('g-b', 4), msg('d-a', 2)], has_more: true });
    expect(t.acks()).toEqual(['d-a#2', 'g-b#4']);
    expect(t.requests.find((r) => r.command === 'message/ack')!.payload).toEqual({ conversation_id: 'd-a', seq: 2, state: 'delivered' });
    await session.quit();
  });

  it('holds the ack of a live message until the offline batches are done', async () => {
    const { t, lines, session } = await loggedIn();
    t.push('message/offline', { messages: [msg('d-a', 1), msg('d-a', 2)], has_more: true });
    t.push('message/event', { message: msg('d-a', 9) });
    expect(lines.some((l) => l.includes('#9 <u-peer> t9'))).toBe(true); // shown at once
    expect(t.acks()).toEqual(['d-a#2']); // acking #9 now would skip #3..#8
    t.push('message/offline', { messages: [3, 4, 5, 6, 7, 8].map((s) => msg('d-a', s)), has_more: false });
    expect(t.acks()).toEqual(['d-a#2', 'd-a#8', 'd-a#9']);
    expect(lines.filter((l) => l.includes('did not arrive live'))).toEqual([]);
    await session.quit();
  });

  it('acks live messages at once, only forward, and points out a gap', async () => {
    const { t, lines, session } = await loggedIn();
    t.push('message/event', { message: msg('d-a', 1) });
    t.push('message/event', { message: msg('d-a', 4) });
    t.push('message/event', { message: msg('d-a', 3) }); // late duplicate-ish: shown, not acked again
    t.push('message/event', { message: msg('d-a', 6) });
    expect(t.acks()).toEqual(['d-a#1', 'd-a#4', 'd-a#6']);
    expect(lines.filter((l) => l.includes('did not arrive live'))).toEqual([
      '  (#2..#3 of d-a did not arrive live: /history d-a)',
      '  (#5 of d-a did not arrive live: /history d-a)',
    ]);
    await session.quit();
  });

  it('stops heartbeats and reports the end once when the connection closes', async () => {
    const { t, lines, session } = await loggedIn();
    t.push('control/error', { status: 400, error_code: 'HEARTBEAT_TIMEOUT', error_message: 'no heartbeat' });
    await t.close();
    await expect(session.ended).resolves.toEqual({ kind: 'closed', error: 'HEARTBEAT_TIMEOUT: no heartbeat' });
    expect(lines.slice(-2)).toEqual(['! server error 400 HEARTBEAT_TIMEOUT: no heartbeat', 'connection closed (HEARTBEAT_TIMEOUT: no heartbeat)']);
  });
});

/** Shared steps of the message e2e specs (real TCP, real database). */
import type { Envelope } from '../../../src/shared/protocol';
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { LoggedInUser, loginAs, registerAndLogin } from '../../support/users';
import type { TestApp } from '../../support/test-app';

/**
 * Request timeout of the clients in these specs. Pipelined sends on one connection are handled
 * one at a time and each waits for its commit (fsync), so on a loaded CI database the last of 250
 * can legitimately take far longer than the SDK's 10 s default.
 */
export const CLIENT_TIMEOUT_MS = 60_000;

/** registerAndLogin with a client using CLIENT_TIMEOUT_MS. */
export async function newUser(app: TestApp, opts: Parameters<typeof registerAndLogin>[1] = {}): Promise<LoggedInUser> {
  return registerAndLogin(app, { timeoutMs: CLIENT_TIMEOUT_MS, ...opts });
}

export function directId(a: string, b: string): string {
  return a < b ? `d-${a}-${b}` : `d-${b}-${a}`;
}

/** A second device (connection + login) of an existing user. */
export async function secondDevice(app: TestApp, user: LoggedInUser, device = 'phone'): Promise<SwitchboardClient> {
  return loginAs(app, user, device, { timeoutMs: CLIENT_TIMEOUT_MS });
}

export function text(t: string) {
  return { type: 'text', text: t };
}

export const isMessageEvent = (conversationId?: string) => (f: Envelope) =>
  f.command === 'message/event' && (conversationId === undefined || (f.payload as any).message.conversation_id === conversationId);

/** Messages of the `message/event` frames a client received, in arrival order. */
export function liveMessages(client: SwitchboardClient, conversationId?: string): any[] {
  return client.events.filter(isMessageEvent(conversationId)).map((f) => (f.payload as any).message);
}

export async function sendText(client: SwitchboardClient, to: string, t: string, options: { id?: string } = {}) {
  return client.call('message/send', { target: { type: 'user', id: to }, content: text(t) }, options);
}

export async function createGroup(owner: LoggedInUser, members: string[], name = 'team'): Promise<string> {
  const created = await owner.client.call('group/create', { name, members });
  return created.conversation_id as string;
}

/** Every page of a conversation, walking backwards from the newest. */
export async function historyBackwards(client: SwitchboardClient, conversationId: string, limit: number) {
  const pages: any[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await client.call('message/history', { conversation_id: conversationId, limit, ...(before ? { before } : {}) });
    pages.push(page);
    if (!page.has_more) return pages;
    before = page.next_cursor;
  }
}

export const seqs = (messages: { seq: number }[]) => messages.map((m) => m.seq);
export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

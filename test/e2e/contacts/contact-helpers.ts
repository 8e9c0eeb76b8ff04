/** Shared steps of the directory / contacts specs (real TCP, real database). */
import { randomBytes } from 'node:crypto';
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import type { Envelope } from '../../../src/shared/protocol';
import { LoggedInUser, registerAndLogin } from '../../support/users';
import type { TestApp } from '../../support/test-app';

/** A username prefix unique to this run, so prefix searches only see this test's users. */
export function uniquePrefix(tag: string): string {
  return `${tag}${randomBytes(4).toString('hex')}`;
}

export function user(app: TestApp, username: string): Promise<LoggedInUser> {
  return registerAndLogin(app, { username });
}

export const isNotification = (type: string, fromUserId?: string) => (f: Envelope) =>
  f.command === 'notification/event' &&
  (f.payload as any).type === type &&
  (fromUserId === undefined || (f.payload as any).user?.user_id === fromUserId);

export function notification(client: SwitchboardClient, type: string, fromUserId?: string) {
  return client.waitFor(isNotification(type, fromUserId)).then((f) => f.payload as Record<string, any>);
}

/** Makes `a` and `b` accepted contacts through the protocol. */
export async function befriend(a: LoggedInUser, b: LoggedInUser): Promise<void> {
  await a.client.call('contact/request', { user_id: b.userId });
  await b.client.call('contact/accept', { user_id: a.userId });
}

/** The error payload of a request that must fail. */
export async function refusal(client: SwitchboardClient, command: string, payload: Record<string, unknown>) {
  const res = await client.request(command, payload);
  expect(res.payload.status).toBeGreaterThanOrEqual(400);
  return res.payload;
}

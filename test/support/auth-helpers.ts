/**
 * Test helpers for authenticated clients: register a fresh user, log in over the real protocol
 * and hand back a client whose requests carry the bearer token.
 */
import { randomBytes } from 'node:crypto';
import type { SwitchboardClient } from '../../src/client/switchboard-client';
import { UsersService } from '../../src/modules/auth/users.service';
import type { TestApp } from './test-app';

export interface LoginPayload {
  status: number;
  token: string;
  refresh_token: string;
  user_id: string;
  expires_in: number;
  refresh_expires_in: number;
  session_id: string;
  [extra: string]: unknown;
}

export interface LoggedInUser {
  client: SwitchboardClient;
  userId: string;
  username: string;
  password: string;
  token: string;
  refreshToken: string;
  sessionId: string;
}

let counter = 0;

/** A username unique within the test run (valid under the username rule). */
export function uniqueUsername(prefix = 'user'): string {
  return `${prefix}_${(++counter).toString(36)}${randomBytes(3).toString('hex')}`.slice(0, 32);
}

/**
 * Logs in with the draft's payload `{username, password, client_info{device, version}}`, sets
 * `client.token` and returns the login payload. Throws (with the error payload) on failure.
 */
export async function login(client: SwitchboardClient, username: string, password: string, device = 'test-device'): Promise<LoginPayload> {
  const payload = (await client.call('auth/login', {
    username,
    password,
    client_info: { device, version: 'test-0.1.0' },
  })) as LoginPayload;
  client.token = payload.token;
  return payload;
}

export async function registerAndLogin(
  app: TestApp,
  opts: { username?: string; password?: string; device?: string; role?: 'user' | 'admin'; client?: SwitchboardClient } = {},
): Promise<LoggedInUser> {
  const username = opts.username ?? uniqueUsername();
  const password = opts.password ?? `pw-${randomBytes(8).toString('hex')}`;
  const client = opts.client ?? (await app.connect());
  const registered = await client.call('auth/register', { username, password });
  const userId = registered.user_id as string;
  // There is no public way to become admin (the CLI is the real one); tests set it directly.
  if (opts.role === 'admin') await app.app.get(UsersService).setRole(userId, 'admin');
  const payload = await login(client, username, password, opts.device ?? 'test-device');
  return {
    client,
    userId,
    username,
    password,
    token: payload.token,
    refreshToken: payload.refresh_token,
    sessionId: payload.session_id,
  };
}

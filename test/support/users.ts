/**
 * The one user factory of the specs: fresh credentials, a registered user, a logged-in
 * connection — over the real protocol (auth/register, auth/login), against an in-process test app
 * or the TCP port of a spawned server process. Domain helpers (message-helpers' newUser, the chat
 * CLI's chatUser) build on it rather than registering users their own way.
 *
 *   const alice = await registerAndLogin(app);            // registered + logged-in client
 *   const bob = await registerUser(app);                  // registered only (logs in later)
 *   const phone = await loginAs(app, bob, 'ios');         // another logged-in connection
 */
import { randomBytes } from 'node:crypto';
import { SwitchboardClient } from '../../src/client/switchboard-client';
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

export interface Credentials {
  username: string;
  password: string;
}

export interface RegisteredUser extends Credentials {
  userId: string;
}

export interface LoggedInUser extends RegisteredUser {
  client: SwitchboardClient;
  token: string;
  refreshToken: string;
  sessionId: string;
}

/**
 * Where users are made: a TestApp (its connect() tracks clients, closed with the app) or anything
 * with a TCP port, e.g. a SpawnedServer (then the caller closes the clients it gets).
 */
export type UserServer = Pick<TestApp, 'tcpPort' | 'connect'> | { tcpPort: number };

export interface UserOptions {
  username?: string;
  password?: string;
  /** Username prefix when no username is given. */
  prefix?: string;
  /** There is no public way to become admin (the admin CLI is the real one): in-process apps only. */
  role?: 'user' | 'admin';
}

let counter = 0;

/** A username unique within the test run (valid under the username rule). */
export function uniqueUsername(prefix = 'user'): string {
  return `${prefix}_${(++counter).toString(36)}${randomBytes(3).toString('hex')}`.slice(0, 32);
}

export function newCredentials(prefix = 'user'): Credentials {
  return { username: uniqueUsername(prefix), password: `pw-${randomBytes(8).toString('hex')}` };
}

/** A new client on `server`; 10 s request timeout unless told otherwise. */
export function connectTo(server: UserServer, timeoutMs?: number): Promise<SwitchboardClient> {
  if ('connect' in server) return server.connect({ timeoutMs });
  return SwitchboardClient.connect({ port: server.tcpPort, timeoutMs: timeoutMs ?? 10_000 });
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

/** Registers a user on an existing connection (which stays logged out): e.g. through a balancer. */
export async function registerOn(client: SwitchboardClient, opts: Omit<UserOptions, 'role'> = {}): Promise<RegisteredUser> {
  const fresh = newCredentials(opts.prefix);
  const username = opts.username ?? fresh.username;
  const password = opts.password ?? fresh.password;
  const registered = await client.call('auth/register', { username, password });
  return { userId: registered.user_id as string, username, password };
}

async function register(server: UserServer, client: SwitchboardClient, opts: UserOptions): Promise<RegisteredUser> {
  const user = await registerOn(client, opts);
  if (opts.role === 'admin') {
    if (!('app' in server)) throw new Error('role: admin needs an in-process TestApp');
    await (server as TestApp).app.get(UsersService).setRole(user.userId, 'admin');
  }
  return user;
}

/** Registers a user on a throwaway connection (e.g. so a conversation exists before they log in). */
export async function registerUser(server: UserServer, opts: UserOptions = {}): Promise<RegisteredUser> {
  const client = await connectTo(server);
  try {
    return await register(server, client, opts);
  } finally {
    await client.close();
  }
}

/** A new connection logged in as `user` from `device`. */
export async function loginAs(server: UserServer, user: Credentials, device = 'test-device', opts: { timeoutMs?: number } = {}): Promise<SwitchboardClient> {
  const client = await connectTo(server, opts.timeoutMs);
  await login(client, user.username, user.password, device);
  return client;
}

/** Registers a user and logs them in on `opts.client` or a new connection. */
export async function registerAndLogin(
  server: UserServer,
  opts: UserOptions & { device?: string; client?: SwitchboardClient; timeoutMs?: number } = {},
): Promise<LoggedInUser> {
  const client = opts.client ?? (await connectTo(server, opts.timeoutMs));
  const user = await register(server, client, opts);
  const payload = await login(client, user.username, user.password, opts.device ?? 'test-device');
  return { ...user, client, token: payload.token, refreshToken: payload.refresh_token, sessionId: payload.session_id };
}

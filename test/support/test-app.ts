/**
 * Starts the real app (real TCP transport on port 0, real database, real migrations) and hands
 * out SDK clients connected to it. `close()` closes every client, the app and the database.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createApp, CreateAppOptions, SwitchboardApp } from '../../src/bootstrap';
import { SwitchboardClient } from '../../src/client/switchboard-client';
import type { Env } from '../../src/config';
import { createTestDatabase, TestDatabase } from './test-db';

/** The client transports the transport specs run over (describe.each(TRANSPORT_KINDS)). */
export type TransportKind = 'tcp' | 'websocket';
export const TRANSPORT_KINDS: TransportKind[] = ['tcp', 'websocket'];

export interface TestApp extends SwitchboardApp {
  db: TestDatabase;
  env: Env;
  /**
   * A new client connected to the plaintext TCP port, or with `transport: 'websocket'` to WS_PORT
   * (start the app with `WS_PORT: '0'`).
   */
  connect(options?: { timeoutMs?: number; transport?: TransportKind }): Promise<SwitchboardClient>;
  /** `ws://127.0.0.1:<WS_PORT>/` when the app runs a WebSocket listener. */
  wsUrl?: string;
}

/** Options passed through to createApp (besides env). */
export type TestAppOptions = Pick<CreateAppOptions, 'imports' | 'commands' | 'logStream'>;

export async function startTestApp(overrides: Env = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  // File storage in a fresh directory per app (removed on close) unless the test picks one.
  const filesDir = overrides.FILE_STORAGE_DIR === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-files-')) : undefined;
  const env: Env = {
    FILE_PORT: '0',
    FILE_STORAGE_DIR: filesDir,
    NODE_ENV: 'test',
    TCP_HOST: '127.0.0.1',
    TCP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    ...db.env,
    ...overrides,
  };
  let started: SwitchboardApp;
  try {
    started = await createApp({ env, imports: options.imports, commands: options.commands, logStream: options.logStream });
  } catch (err) {
    await db.drop();
    if (filesDir) fs.rmSync(filesDir, { recursive: true, force: true });
    throw err;
  }
  const clients: SwitchboardClient[] = [];
  const wsPort = started.transport.wsPort;
  const wsUrl = wsPort !== undefined ? `ws://127.0.0.1:${wsPort}/` : undefined;
  return {
    ...started,
    db,
    env,
    wsUrl,
    connect: async (options = {}) => {
      const timeoutMs = options.timeoutMs ?? 10_000;
      if (options.transport === 'websocket' && !wsUrl) throw new Error('connect({ transport: "websocket" }): start the app with WS_PORT');
      const client = await SwitchboardClient.connect(options.transport === 'websocket' ? { url: wsUrl, timeoutMs } : { port: started.tcpPort, timeoutMs });
      clients.push(client);
      return client;
    },
    close: async () => {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await started.close();
      await db.drop();
      if (filesDir) fs.rmSync(filesDir, { recursive: true, force: true });
    },
  };
}

/**
 * Two nodes of one cluster in this process: one database (node 2 uses node 1's schema, its own
 * empty one is dropped on close), one Redis bus under a fresh key prefix, one JWT secret, no rate
 * limits. Needs TEST_REDIS_URL (declare `describeWith({ redis: true, postgres: true }, …)`).
 * Close node 2 first (node 1 owns the schema).
 */
export async function startTwoNodes(overrides: Env = {}): Promise<[TestApp, TestApp]> {
  const shared: Env = {
    RATE_LIMIT_CONN_RPS: '0',
    RATE_LIMIT_USER_RPS: '0',
    REDIS_URL: process.env.TEST_REDIS_URL,
    REDIS_KEY_PREFIX: `sbtest-${randomBytes(4).toString('hex')}:`,
    AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
    ...overrides,
  };
  const node1 = await startTestApp(shared);
  const node2 = await startTestApp({ ...shared, DATABASE_SCHEMA: node1.env.DATABASE_SCHEMA, MIGRATIONS_RUN: 'off' });
  return [node1, node2];
}

/**
 * Starts the real app (real TCP transport on port 0, real database, real migrations) and hands
 * out SDK clients connected to it. `close()` closes every client, the app and the database.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createApp, CreateAppOptions, SwitchboardApp } from '../../src/bootstrap';
import { SwitchboardClient } from '../../src/client/switchboard-client';
import type { Env } from '../../src/config';
import { createTestDatabase, TestDatabase } from './test-db';

export interface TestApp extends SwitchboardApp {
  db: TestDatabase;
  env: Env;
  /** A new client connected to the plaintext TCP port. */
  connect(options?: { timeoutMs?: number }): Promise<SwitchboardClient>;
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
  return {
    ...started,
    db,
    env,
    connect: async (options = {}) => {
      const client = await SwitchboardClient.connect({ port: started.tcpPort, timeoutMs: options.timeoutMs ?? 10_000 });
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

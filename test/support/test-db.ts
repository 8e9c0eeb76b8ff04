/**
 * Every test app gets its own database: a fresh SQLite file under the OS temp dir by default, or,
 * when TEST_DATABASE_URL is set (CI sets it), its own PostgreSQL schema, dropped afterwards.
 * Runs therefore cannot collide, even in parallel jest workers or concurrent CI jobs.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import type { Env } from '../../src/config';

export interface TestDatabase {
  env: Env;
  engine: 'sqlite' | 'postgres';
  drop(): Promise<void>;
}

export function testEngine(): 'sqlite' | 'postgres' {
  return process.env.TEST_DATABASE_URL ? 'postgres' : 'sqlite';
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const tag = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const schema = `t_${tag}`;
    const client = new Client({ connectionString: url });
    await client.connect();
    await client.query(`CREATE SCHEMA "${schema}"`);
    await client.end();
    return {
      engine: 'postgres',
      env: { DATABASE_URL: url, DATABASE_SCHEMA: schema, MIGRATIONS_RUN: 'on', DB_POOL_SIZE: '5' },
      drop: async () => {
        const c = new Client({ connectionString: url });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await c.end();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-test-'));
  return {
    engine: 'sqlite',
    env: { SQLITE_PATH: path.join(dir, 'test.sqlite'), MIGRATIONS_RUN: 'on' },
    drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

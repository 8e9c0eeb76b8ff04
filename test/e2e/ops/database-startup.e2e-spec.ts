/**
 * Database trouble at start-up (the built server as a child process): a permanent error — no such
 * database, a refused role, a file that is not an SQLite database, a path that cannot be created —
 * ends the start within 5 s with exit code 1 and ONE line naming the setting; an unreachable
 * server (nothing listens on the port) is retried with logged backoff lines, no stack traces, for
 * DB_CONNECT_TIMEOUT_MS, then the same kind of one line. Also: the ready line lists every listener.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { itWith } from '../../support/requires';
import { runServerToExit, spawnServer } from '../../support/spawn-server';
import { createTestDatabase } from '../../support/test-db';
import { closedPort } from '../../support/transport-helpers';

const PG = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function errorLines(result: { stderr: string[] }): string[] {
  return result.stderr.filter((l) => l.trim() !== '');
}


describe('database errors at start-up', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-db-start-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  itWith(
    { postgres: true },
    'an unknown database exits 1 within 5 s with one line naming DATABASE_URL',
    async () => {
      const url = new URL(PG);
      url.pathname = '/nope_db_switchboard';
      const started = Date.now();
      const result = await runServerToExit({ DATABASE_URL: url.toString() });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(result.code).toBe(1);
      expect(errorLines(result)).toEqual([
        expect.stringMatching(
          /^DATABASE_URL: database "nope_db_switchboard" does not exist on .*: create it \(createdb nope_db_switchboard\)/,
        ),
      ]);
      expect(result.stdout.join('\n')).not.toMatch(/Switchboard listening|Retrying|at .*\.js:\d+/);
    },
  );

  itWith(
    { postgres: true },
    'a role the server refuses exits 1 within 5 s with one line',
    async () => {
      const url = new URL(PG);
      url.username = 'no_such_role_switchboard';
      const started = Date.now();
      const result = await runServerToExit({ DATABASE_URL: url.toString() });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(result.code).toBe(1);
      expect(errorLines(result)).toEqual([
        expect.stringMatching(/^DATABASE_URL: PostgreSQL refused user "no_such_role_switchboard"/),
      ]);
    },
  );

  it('nothing listening: logged backoff for DB_CONNECT_TIMEOUT_MS, then one line', async () => {
    const port = await closedPort();
    const result = await runServerToExit({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/test`,
      DB_CONNECT_TIMEOUT_MS: '1500',
    });
    expect(result.code).toBe(1);
    expect(errorLines(result)).toEqual([
      expect.stringMatching(
        /^PostgreSQL at 127\.0\.0\.1:\d+ not reachable after \d+ tries in 1500 ms \(ECONNREFUSED.*raise DB_CONNECT_TIMEOUT_MS$/,
      ),
    ]);
    const retries = result.stdout.filter((l) => l.includes('not reachable (ECONNREFUSED'));
    expect(retries.length).toBeGreaterThanOrEqual(2);
    for (const line of retries)
      expect(JSON.parse(line)).toMatchObject({ level: 'warn', context: 'Database' });
    expect(result.stdout.join('\n')).not.toMatch(/"stack"|\n\s+at /);
  });

  it('an SQLITE_PATH that is not a database exits 1 with one line', async () => {
    const file = path.join(tmp, 'notes.txt');
    fs.writeFileSync(file, 'these are not the tables you are looking for\n');
    const result = await runServerToExit({ SQLITE_PATH: file });
    expect(result.code).toBe(1);
    expect(errorLines(result)).toEqual([
      `SQLITE_PATH="${file}": not an SQLite database: point SQLITE_PATH at the server's database file or at a new path`,
    ]);
  });

  it('an SQLITE_PATH whose directory cannot be created exits 1 with one line', async () => {
    const blocker = path.join(tmp, 'a-file');
    fs.writeFileSync(blocker, '');
    const result = await runServerToExit({ SQLITE_PATH: path.join(blocker, 'db.sqlite') });
    expect(result.code).toBe(1);
    expect(errorLines(result)).toEqual([
      expect.stringMatching(
        /^SQLITE_PATH=".*a-file\/db\.sqlite": cannot create or write its directory \(E\w+/,
      ),
    ]);
  });

  it('a good start logs no framework noise and lists every listener on the ready line', async () => {
    const db = await createTestDatabase();
    const server = await spawnServer({ ...db.env, LOG_LEVEL: 'info' });
    try {
      const ready = server.stdout.find((l) => l.startsWith('Switchboard listening'));
      expect(ready).toMatch(
        new RegExp(
          `^Switchboard listening: TCP ${server.tcpPort}, HTTP ops ${server.httpPort}, file \\d+$`,
        ),
      );
      const contexts = server.stdout
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l).context as string);
      expect(
        contexts.filter((c) =>
          ['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory'].includes(c),
        ),
      ).toEqual([]);
    } finally {
      await server.stop();
      await db.drop();
    }
  });
});

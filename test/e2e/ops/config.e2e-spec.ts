/**
 * Start-up configuration errors stop the real process with exit code 1 and ONE line naming the
 * variable, the bad value and what is allowed.
 */
import { createTestDatabase, TestDatabase } from '../../support/test-db';
import { runServerToExit, spawnServer } from '../../support/spawn-server';

describe('configuration validation at start-up (built server)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('a non-numeric TCP_PORT exits 1 with a one-line message', async () => {
    const result = await runServerToExit({ ...db.env, TCP_PORT: 'abc' });
    expect(result.code).toBe(1);
    const lines = result.stderr.filter((l) => l.trim() !== '');
    expect(lines).toEqual([
      'Invalid configuration: TCP_PORT="abc": must be an integer port number between 0 and 65535 (0 picks a free port)',
    ]);
    expect(result.stdout.join('\n')).not.toContain('Switchboard listening');
  });

  it('an out-of-range value in another namespace is named the same way', async () => {
    const result = await runServerToExit({ ...db.env, MIGRATIONS_RUN: 'sometimes' });
    expect(result.code).toBe(1);
    expect(result.stderr.filter((l) => l.trim() !== '')).toEqual([
      'Invalid configuration: MIGRATIONS_RUN="sometimes": must be one of auto, on, off',
    ]);
  });

  it('valid configuration starts and reports its ports', async () => {
    const server = await spawnServer(db.env);
    try {
      expect(server.tcpPort).toBeGreaterThan(0);
      expect(server.httpPort).toBeGreaterThan(0);
      expect(server.httpPort).not.toBe(server.tcpPort);
    } finally {
      const exit = await server.stop('SIGTERM');
      expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    }
  });
});

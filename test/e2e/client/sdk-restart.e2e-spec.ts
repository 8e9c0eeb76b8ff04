/**
 * The SDK against the BUILT server as a real process: a restart (kill, start again on the same
 * port and database) is recovered automatically, and a drain's SERVER_DRAINING notice makes the
 * reconnect wait at least `retry_after_ms`.
 */
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { SwitchboardSession } from '../../../src/client/session';
import { freePort } from '../../support/redis-server';
import { login, registerUser } from '../../support/users';
import { spawnServer, SpawnedServer } from '../../support/spawn-server';
import { createTestDatabase, TestDatabase } from '../../support/test-db';
import { FAST, Inbox, next } from './sdk-helpers';

describe('SDK across server restarts and drains (built server process)', () => {
  let db: TestDatabase;
  let port: number;
  let server: SpawnedServer | undefined;
  beforeEach(async () => {
    db = await createTestDatabase();
    port = await freePort();
  });
  afterEach(async () => {
    if (server && server.child.exitCode === null) await server.stop('SIGKILL');
    server = undefined;
    await db.drop();
  });

  const boot = (extra: Record<string, string> = {}) => spawnServer({ ...db.env, TCP_PORT: String(port), SHUTDOWN_TIMEOUT_MS: '3000', ...extra });

  const register = () => registerUser({ tcpPort: port }, { prefix: 'rst' });

  it('recovers from a server restart by itself and keeps receiving', async () => {
    server = await boot();
    const alice = await register();
    const bob = await register();
    const s = await SwitchboardSession.start({ port, username: alice.username, password: alice.password, ...FAST, autoAck: 'delivered' });
    const inbox = new Inbox(s);

    const disconnected = next(s, 'disconnected');
    await server.stop('SIGKILL');
    await disconnected;
    const reconnected = next(s, 'connected', 30_000);
    server = await boot();
    expect((await reconnected)[0]).toEqual({ reconnect: true });

    const sender = await SwitchboardClient.connect({ port });
    await login(sender, bob.username, bob.password);
    await sender.call('message/send', { target: { type: 'user', id: alice.userId }, content: { type: 'text', text: 'after the restart' } });
    const [m] = await inbox.waitForCount(1);
    expect(m.content).toEqual({ type: 'text', text: 'after the restart' });
    // The session is usable for requests again, without a password (refresh token only).
    expect((await s.call('control/ping', {})).status).toBe(200);
    await sender.close();
    await s.close();
  }, 60_000);

  it('a drain makes the reconnect wait at least retry_after_ms', async () => {
    // Longer than a server boot, so a client ignoring the hint would reconnect too early.
    const retryAfterMs = 4000;
    server = await boot({ DRAIN_RETRY_AFTER_MS: String(retryAfterMs) });
    const alice = await register();
    const s = await SwitchboardSession.start({ port, username: alice.username, password: alice.password, ...FAST });

    const draining = next(s, 'draining');
    const reconnecting = next(s, 'reconnecting');
    const draining0 = Date.now();
    server.child.kill('SIGTERM');
    expect((await draining)[0]).toEqual({ retryAfterMs, code: 'SERVER_DRAINING' });
    const [plan] = await reconnecting;
    expect(plan.retryAfterMs).toBe(retryAfterMs);
    expect(plan.delayMs).toBeGreaterThanOrEqual(retryAfterMs);
    await server.waitExit();

    const reconnected = next(s, 'connected', 30_000);
    server = await boot();
    await reconnected;
    // The server was back before the hint ran out; the client still waited as asked.
    expect(Date.now() - draining0).toBeGreaterThanOrEqual(retryAfterMs);
    expect((await s.call('control/ping', {})).status).toBe(200);
    await s.close();
  }, 60_000);
});

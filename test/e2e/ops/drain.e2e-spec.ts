/**
 * Graceful drain of the REAL built server process on SIGTERM: connected clients get the
 * SERVER_DRAINING notice, requests in flight at the signal are answered, requests pipelined
 * after it are answered or refused with SERVER_DRAINING (none lost), and the process exits 0
 * within SHUTDOWN_TIMEOUT_MS. A second signal exits at once. The first case runs over TCP and
 * over WebSocket (WS_PORT).
 *
 * The slow in-flight requests are real: auth/register hashes the password with argon2id.
 */
import * as net from 'node:net';
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { login, registerOn, uniqueUsername } from '../../support/users';
import { spawnServer } from '../../support/spawn-server';
import { TRANSPORT_KINDS } from '../../support/test-app';
import { createTestDatabase, TestDatabase } from '../../support/test-db';

const SHUTDOWN_TIMEOUT_MS = 8000;

describe('graceful drain on SIGTERM (built server)', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });

  it.each(TRANSPORT_KINDS)('notifies clients, answers in-flight requests, loses none, exits 0 in time (%s)', async (kind) => {
    const server = await spawnServer({
      ...db.env,
      WS_PORT: '0',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      DRAIN_RETRY_AFTER_MS: '2500',
      LOG_LEVEL: 'info',
    });
    try {
      const target = kind === 'tcp' ? { port: server.tcpPort } : { url: `ws://127.0.0.1:${server.wsPort}/` };
      const busy = await SwitchboardClient.connect(target);
      const idle = await SwitchboardClient.connect(target);
      expect((await idle.request('control/ping')).payload.status).toBe(200);

      const registers = Array.from({ length: 8 }, () =>
        busy.request('auth/register', {
          username: uniqueUsername('drain'),
          password: 'drain-password-123',
        }),
      );
      // Frames are dispatched in arrival order: once this ping is answered every register above
      // was dispatched, and their password hashing is under way.
      await busy.request('control/ping');
      const signalledAt = Date.now();
      server.child.kill('SIGTERM');
      const late = Array.from({ length: 20 }, (_, i) =>
        busy.request('control/ping', {}, { id: `late-${i}` }),
      );

      for (const client of [busy, idle]) {
        const notice = await client.waitFor('control/error');
        expect(notice.type).toBe('event');
        expect(notice.payload).toMatchObject({
          status: 503,
          error_code: 'SERVER_DRAINING',
          retry_after_ms: 2500,
        });
        expect(notice.payload.error_message).toMatch(/shutting down/);
      }

      for (const response of await Promise.all(registers)) {
        expect(response.payload).toMatchObject({ status: 200 });
        expect(response.payload.user_id).toMatch(/^u-/);
      }
      for (const response of await Promise.all(late)) {
        if (response.payload.status !== 200) {
          // The transport's own refusals carry the configured DRAIN_RETRY_AFTER_MS too.
          expect(response.payload).toMatchObject({
            status: 503,
            error_code: 'SERVER_DRAINING',
            retry_after_ms: 2500,
          });
        }
      }

      // The server ends the connections itself once idle, then exits cleanly.
      await Promise.all([busy.closed, idle.closed]);
      const exit = await server.waitExit();
      expect(exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
      const log = server.stdout.join('\n');
      // The registers really were in flight when the signal arrived.
      expect(log).toMatch(/draining: 2 connection\(s\), [1-9]\d* request\(s\) in flight/);
      expect(log).toMatch(/drained in \d+ ms \(all requests answered\)/);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('answers every pipelined ordered message/send (queued behind each other) or refuses it, none lost', async () => {
    // Rate limits out of the way: 300 pipelined sends on one connection.
    const server = await spawnServer({
      ...db.env,
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      RATE_LIMIT_CONN_BURST: '2000',
      RATE_LIMIT_USER_BURST: '2000',
      LOG_LEVEL: 'info',
    });
    try {
      const alice = await SwitchboardClient.connect({ port: server.tcpPort });
      const bob = await SwitchboardClient.connect({ port: server.tcpPort });
      const aliceUser = await registerOn(alice, { prefix: 'drain_a' });
      const bobUser = await registerOn(bob, { prefix: 'drain_b' });
      const bobId = bobUser.userId;
      await login(alice, aliceUser.username, aliceUser.password);
      await login(bob, bobUser.username, bobUser.password);

      // message/send is an ordered handler: pipelined sends wait for each other on the connection.
      const sends = Array.from({ length: 300 }, (_, i) =>
        alice.request('message/send', {
          target: { type: 'user', id: bobId },
          content: { type: 'text', text: `m${i}` },
        }),
      );
      // Signal while the frames are still arriving / queued: wherever the drain cuts the lane,
      // every send must be answered, either accepted or refused with SERVER_DRAINING.
      server.child.kill('SIGTERM');

      const responses = await Promise.all(sends);
      const statuses = responses.map((r) => r.payload.status);
      const accepted = statuses.filter((st) => st === 200).length;
      for (const r of responses.slice(accepted))
        expect(r.payload).toMatchObject({ status: 503, error_code: 'SERVER_DRAINING' });
      // Frames are dispatched in arrival order, so the accepted ones are a prefix, stored gap-free.
      expect(statuses.slice(0, accepted).every((st) => st === 200)).toBe(true);
      expect(responses.slice(0, accepted).map((r) => r.payload.seq)).toEqual(
        Array.from({ length: accepted }, (_, i) => i + 1),
      );
      expect(await server.waitExit()).toEqual({ code: 0, signal: null });
      expect(server.stdout.join('\n')).toMatch(/drained in \d+ ms \(all requests answered\)/);
    } finally {
      server.child.kill('SIGKILL');
    }
  }, 90_000);

  it('a second signal exits immediately', async () => {
    const server = await spawnServer({
      ...db.env,
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      LOG_LEVEL: 'info',
    });
    try {
      // A peer that never answers the server's FIN keeps the drain waiting in its final flush.
      const socket = net.connect({ port: server.tcpPort, host: '127.0.0.1', allowHalfOpen: true });
      let received = '';
      const noticed = new Promise<void>((resolve) => {
        socket.on('data', (chunk) => {
          received += chunk.toString();
          if (received.includes('SERVER_DRAINING')) resolve();
        });
      });
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write('{"id":"1","type":"request","command":"control/ping","payload":{}}\n');
      await new Promise<void>((resolve) => socket.once('data', () => resolve()));

      server.child.kill('SIGTERM');
      await noticed;
      const secondAt = Date.now();
      server.child.kill('SIGTERM');
      const exit = await server.waitExit();
      expect(exit.code).toBe(143);
      expect(Date.now() - secondAt).toBeLessThan(1500);
      socket.destroy();
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});

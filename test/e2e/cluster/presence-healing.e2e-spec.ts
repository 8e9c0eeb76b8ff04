/**
 * Presence heals itself on a cluster (two nodes on one Redis, a private redis-server so it can
 * be flushed):
 * - after Redis loses its data (FLUSHALL), connected heartbeating users are online again within
 *   about one heartbeat interval, with the status they had set (written back by their node);
 * - when a node is killed (SIGKILL, a real server process), another node announces its users
 *   offline with presence/event within 10 s (NODE_LIVENESS_TTL_MS).
 */
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { login, registerUser } from '../../support/users';
import { keepAlive, presenceEvent, shareDirect } from '../../support/presence-helpers';
import { PrivateRedis, startPrivateRedis } from '../../support/redis-server';
import { describeWith } from '../../support/requires';
import { spawnServer, SpawnedServer } from '../../support/spawn-server';
import { startTestApp } from '../../support/test-app';

const INTERVAL_S = 0.4;

async function statusOf(client: SwitchboardClient, userId: string): Promise<string> {
  const listed = await client.call('presence/list', { user_ids: [userId] });
  return (listed.users as { user_id: string; status: string }[])[0].status;
}

describeWith({ redisServer: true }, 'presence heals after Redis loses its data, and a dead node is announced offline', () => {
  let redis: PrivateRedis;
  const stops: (() => void)[] = [];

  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    for (const stop of stops) stop();
    await redis.stop();
  });

  it('brings connected users back within one heartbeat interval after FLUSHALL, with their status', async () => {
    const env = {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `heal${process.pid}:`,
      HEARTBEAT_INTERVAL_S: String(INTERVAL_S),
      PRESENCE_DEBOUNCE_MS: '50',
      // Long liveness TTL: the heartbeat path alone must heal (the key path is covered below).
      NODE_LIVENESS_TTL_MS: '60000',
      RATE_LIMIT_CONN_RPS: '0',
    };
    const nodeA = await startTestApp(env);
    const nodeB = await startTestApp({ ...env, ...nodeA.db.env });
    try {
      const alice = await registerUser(nodeA);
      const bob = await registerUser(nodeA);
      await shareDirect(nodeA, alice.userId, bob.userId);
      const aliceClient = await nodeA.connect();
      await login(aliceClient, alice.username, alice.password);
      stops.push(keepAlive(aliceClient, INTERVAL_S * 1000));
      await aliceClient.call('presence/update', { status: 'busy', text: 'in a meeting' });
      const bobClient = await nodeB.connect();
      await login(bobClient, bob.username, bob.password);
      stops.push(keepAlive(bobClient, INTERVAL_S * 1000));
      expect(await statusOf(bobClient, alice.userId)).toBe('busy');

      redis.cli('FLUSHALL');
      const flushedAt = Date.now();
      // A client polling presence/list sees alice come back (no server restart, no reconnect).
      let status = await statusOf(bobClient, alice.userId);
      while (status !== 'busy' && Date.now() - flushedAt < 20_000) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        status = await statusOf(bobClient, alice.userId);
      }
      const healedMs = Date.now() - flushedAt;
      console.info(`presence-healing: presence back ${healedMs} ms after FLUSHALL (heartbeat interval ${INTERVAL_S * 1000} ms)`);
      expect(status).toBe('busy');
      const listed = await bobClient.call('presence/list', { user_ids: [alice.userId] });
      expect((listed.users as { text: string }[])[0].text).toBe('in a meeting');
      // Within one interval plus one sweep (the sweep publishes what heartbeats refreshed).
      expect(healedMs).toBeLessThan(INTERVAL_S * 1000 * 2 + 1000);
    } finally {
      await nodeB.close();
      await nodeA.close();
    }
  }, 60_000);

  it('announces the users of a killed node offline within 10 s', async () => {
    const prefix = `dead${process.pid}:`;
    const common = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, NODE_LIVENESS_TTL_MS: '3000', PRESENCE_DEBOUNCE_MS: '500', HEARTBEAT_INTERVAL_S: '30' };
    const survivor = await startTestApp(common);
    let doomed: SpawnedServer | undefined;
    try {
      doomed = await spawnServer({ ...survivor.db.env, ...common, MIGRATIONS_RUN: 'off' });
      const alice = await registerUser(survivor);
      const bob = await registerUser(survivor);
      await shareDirect(survivor, alice.userId, bob.userId);
      const bobClient = await survivor.connect();
      await login(bobClient, bob.username, bob.password);
      const aliceClient = await SwitchboardClient.connect({ port: doomed.tcpPort, timeoutMs: 10_000 });
      await login(aliceClient, alice.username, alice.password);
      await presenceEvent(bobClient, alice.userId, { status: 'online' }, 10_000);

      const killedAt = Date.now();
      await doomed.stop('SIGKILL');
      const offline = await presenceEvent(bobClient, alice.userId, { status: 'offline' }, 10_000);
      console.info(`presence-healing: killed node's user announced offline after ${Date.now() - killedAt} ms (NODE_LIVENESS_TTL_MS 3000, debounce 500)`);
      expect(offline.payload.last_seen).toEqual(expect.any(Number));
      expect(await statusOf(bobClient, alice.userId)).toBe('offline');
      aliceClient.destroy();
    } finally {
      await doomed?.stop('SIGKILL');
      await survivor.close();
    }
  }, 150_000); // spawning the built server may first build dist/ (slow on a busy machine)
});

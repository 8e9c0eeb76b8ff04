/**
 * Two server processes (two apps in this process) sharing one database, the Redis event bus and
 * the Redis PresenceStore: presence set on one node is pushed to, listed and aggregated on the
 * other. Runs only when TEST_REDIS_URL is set (CI sets it).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { PresenceStore } from '../../../src/modules/presence/presence-store';
import { RedisPresenceStore } from '../../../src/modules/presence/stores/redis-presence.store';
import { login, loginAs, registerUser } from '../../support/users';
import { presenceEvent, shareDirect } from '../../support/presence-helpers';
import { describeWith } from '../../support/requires';
import { startTestApp, TestApp } from '../../support/test-app';

const REDIS_URL = process.env.TEST_REDIS_URL;

describeWith({ redis: true }, 'presence across two nodes (Redis store + Redis bus)', () => {
  let node1: TestApp;
  let node2: TestApp;
  const prefix = `sbtest:${randomBytes(4).toString('hex')}:`;
  beforeAll(async () => {
    const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix, PRESENCE_DEBOUNCE_MS: '50' };
    node1 = await startTestApp(env);
    // Same database as node 1: the second process of one deployment.
    node2 = await startTestApp({ ...env, ...node1.db.env, MIGRATIONS_RUN: 'off' });
  });
  afterAll(async () => {
    await node2?.close();
    await node1?.close();
    const redis = new Redis(REDIS_URL!);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('uses the Redis store on both nodes', () => {
    expect(node1.app.get(PresenceStore)).toBeInstanceOf(RedisPresenceStore);
    expect(node2.app.get(PresenceStore)).toBeInstanceOf(RedisPresenceStore);
  });

  it('aggregates one user across nodes and pushes to a peer on the other node', async () => {
    const [alice, bob] = [await registerUser(node1), await registerUser(node1)];
    await shareDirect(node1, alice.userId, bob.userId);
    const bobClient = await loginAs(node2, bob, 'windows');
    const phone = await loginAs(node1, alice, 'ios');
    await presenceEvent(bobClient, alice.userId, { status: 'online', devices: ['ios'] });
    await phone.call('presence/update', { status: 'away' });
    await presenceEvent(bobClient, alice.userId, { status: 'away', devices: ['ios'] });

    // Alice's desktop lands on node 2: node 2 sees the phone's state in the shared store.
    const desktop = await loginAs(node2, alice, 'macos');
    await presenceEvent(bobClient, alice.userId, { status: 'online', devices: ['ios', 'macos'] });
    const listed = await bobClient.call('presence/list', { user_ids: [alice.userId] });
    expect(listed.users[0]).toMatchObject({ status: 'online', devices: ['ios', 'macos'] });

    await desktop.close();
    await bobClient.waitForCount((f) => f.command === 'presence/event' && f.payload.user_id === alice.userId && f.payload.status === 'away', 2);
    const fromNode1 = await loginAs(node1, bob, 'android');
    const seenOnNode1 = await fromNode1.call('presence/list', {});
    expect(seenOnNode1.users).toEqual([expect.objectContaining({ user_id: alice.userId, status: 'away', devices: ['ios'] })]);
  });

  it('a node shutting down removes its connections from the shared store', async () => {
    const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix, PRESENCE_DEBOUNCE_MS: '50', ...node1.db.env, MIGRATIONS_RUN: 'off' };
    const node3 = await startTestApp(env);
    const [erin, bob] = [await registerUser(node1), await registerUser(node1)];
    await shareDirect(node1, erin.userId, bob.userId);
    const bobClient = await loginAs(node1, bob, 'windows');
    // Not through node3.connect(): node3.close() would close that client before the app.
    const erinClient = await SwitchboardClient.connect({ port: node3.tcpPort });
    await login(erinClient, erin.username, erin.password, 'web');
    await presenceEvent(bobClient, erin.userId, { status: 'online', devices: ['web'] });
    await node3.close();
    await erinClient.closed;
    const listed = await bobClient.call('presence/list', { user_ids: [erin.userId] });
    expect(listed.users[0]).toMatchObject({ status: 'offline', devices: [] });
    expect(listed.users[0].last_seen).toEqual(expect.any(Number));
  });
});

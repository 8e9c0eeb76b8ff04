/**
 * One contract, two stores: the in-memory store always, the Redis store against the real Redis
 * when TEST_REDIS_URL is set (CI sets it). Each Redis run uses its own key prefix.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { ConnectionPresence, PresenceStore } from '../../../src/modules/presence/presence-store';
import { InMemoryPresenceStore } from '../../../src/modules/presence/stores/in-memory-presence.store';
import { RedisPresenceStore } from '../../../src/modules/presence/stores/redis-presence.store';
import { describeWith, Requirements } from '../../support/requires';

const STALE_MS = 10_000;
const redisUrl = process.env.TEST_REDIS_URL;

interface Harness {
  store: PresenceStore;
  clock: { now: number };
  /** A second handle on the same state (another server process), where the store is shared. */
  peer?: PresenceStore;
  close(): Promise<void>;
}

const factories: [string, Requirements, () => Promise<Harness>][] = [
  [
    'in-memory',
    {},
    async () => {
      const clock = { now: 1_000_000 };
      return { store: new InMemoryPresenceStore({ staleAfterMs: STALE_MS }, () => clock.now), clock, close: async () => undefined };
    },
  ],
  [
    'redis',
    { redis: true },
    async () => {
      const clock = { now: Date.now() };
      const prefix = `sbtest:${randomBytes(4).toString('hex')}:`;
      const a = new Redis(redisUrl!);
      const b = new Redis(redisUrl!);
      const store = new RedisPresenceStore(a, prefix, { staleAfterMs: STALE_MS }, true, () => clock.now);
      const peer = new RedisPresenceStore(b, prefix, { staleAfterMs: STALE_MS }, true, () => clock.now);
      return {
        store,
        peer,
        clock,
        close: async () => {
          const keys = await a.keys(`${prefix}*`);
          if (keys.length > 0) await a.del(...keys);
          await store.close();
          await peer.close();
        },
      };
    },
  ],
];

for (const [name, requirements, factory] of factories) {
  describeWith(requirements, `PresenceStore contract: ${name}`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await factory();
    });
    afterEach(async () => {
      await h.close();
    });

    const entry = (partial: Partial<ConnectionPresence> = {}): ConnectionPresence => ({
      connectionId: 'c-1',
      userId: 'u-a',
      device: 'ios',
      status: 'online',
      text: null,
      connectedAt: h.clock.now,
      updatedAt: h.clock.now,
      heartbeatAt: h.clock.now,
      ...partial,
    });

    it('stores, reads and removes connections per user', async () => {
      await h.store.putConnection(entry());
      await h.store.putConnection(entry({ connectionId: 'c-2', device: 'windows', status: 'away', text: 'brb' }));
      await h.store.putConnection(entry({ userId: 'u-b', connectionId: 'c-3' }));
      const byUser = await h.store.connectionsOf(['u-a', 'u-b', 'u-none']);
      expect(byUser.get('u-a')!.map((c) => c.connectionId).sort()).toEqual(['c-1', 'c-2']);
      expect(byUser.get('u-b')!.map((c) => c.connectionId)).toEqual(['c-3']);
      expect(byUser.get('u-none')).toEqual([]);
      expect(await h.store.getConnection('u-a', 'c-2')).toMatchObject({ status: 'away', text: 'brb', device: 'windows' });

      const removed = await h.store.removeConnection('u-a', 'c-2');
      expect(removed).toMatchObject({ connectionId: 'c-2', status: 'away' });
      expect(await h.store.removeConnection('u-a', 'c-2')).toBeUndefined();
      expect((await h.store.connectionsOf(['u-a'])).get('u-a')!.map((c) => c.connectionId)).toEqual(['c-1']);
    });

    it('prunes entries whose heartbeat is older than staleAfterMs, unless touched', async () => {
      await h.store.putConnection(entry({ connectionId: 'c-live' }));
      await h.store.putConnection(entry({ connectionId: 'c-dead' }));
      h.clock.now += STALE_MS - 1000;
      await h.store.touch([{ userId: 'u-a', connectionId: 'c-live', at: h.clock.now }]);
      h.clock.now += 2000;
      const live = (await h.store.connectionsOf(['u-a'])).get('u-a')!;
      expect(live.map((c) => c.connectionId)).toEqual(['c-live']);
      expect(live[0].heartbeatAt).toBe(h.clock.now - 2000);
      expect(await h.store.getConnection('u-a', 'c-dead')).toBeUndefined();
    });

    it('does not resurrect a removed connection on a late touch', async () => {
      await h.store.putConnection(entry());
      await h.store.removeConnection('u-a', 'c-1');
      await h.store.touch([{ userId: 'u-a', connectionId: 'c-1', at: h.clock.now + 5 }]);
      expect((await h.store.connectionsOf(['u-a'])).get('u-a')).toEqual([]);
    });

    it('keeps last_seen monotonic', async () => {
      await h.store.setLastSeen('u-a', 5000);
      await h.store.setLastSeen('u-a', 4000);
      const seen = await h.store.lastSeenOf(['u-a', 'u-b']);
      expect(seen.get('u-a')).toBe(5000);
      expect(seen.has('u-b')).toBe(false);
    });

    it('remembers and forgets the announced state', async () => {
      expect(await h.store.getAnnounced('u-a')).toBeUndefined();
      await h.store.setAnnounced('u-a', { status: 'busy', text: 'x', devices: ['ios'] });
      expect(await h.store.getAnnounced('u-a')).toEqual({ status: 'busy', text: 'x', devices: ['ios'] });
      await h.store.setAnnounced('u-a', undefined);
      expect(await h.store.getAnnounced('u-a')).toBeUndefined();
    });

    it('tracks explicit subscriptions per connection', async () => {
      await h.store.subscribe('c-s1', 'u-s', ['u-a', 'u-b']);
      await h.store.subscribe('c-s2', 'u-t', ['u-a']);
      expect((await h.store.subscribersOf('u-a')).sort((x, y) => x.connectionId.localeCompare(y.connectionId))).toEqual([
        { connectionId: 'c-s1', userId: 'u-s' },
        { connectionId: 'c-s2', userId: 'u-t' },
      ]);
      await h.store.unsubscribeConnection('c-s1');
      expect(await h.store.subscribersOf('u-a')).toEqual([{ connectionId: 'c-s2', userId: 'u-t' }]);
      expect(await h.store.subscribersOf('u-b')).toEqual([]);
    });

    if (name === 'redis') {
      it('shares state between processes (two clients, one Redis)', async () => {
        await h.store.putConnection(entry({ connectionId: 'c-node1', device: 'ios' }));
        await h.peer!.putConnection(entry({ connectionId: 'c-node2', device: 'windows', status: 'busy' }));
        const seenByPeer = (await h.peer!.connectionsOf(['u-a'])).get('u-a')!;
        expect(seenByPeer.map((c) => c.connectionId).sort()).toEqual(['c-node1', 'c-node2']);
        await h.peer!.setAnnounced('u-a', { status: 'online', text: null, devices: ['ios', 'windows'] });
        expect(await h.store.getAnnounced('u-a')).toEqual({ status: 'online', text: null, devices: ['ios', 'windows'] });
      });
    }
  });
}

import { presenceConfig } from '../../../src/modules/presence/presence.config';
import { HeartbeatService } from '../../../src/modules/presence/heartbeat.service';
import type { HeartbeatTouch } from '../../../src/modules/presence/presence-store';
import type { PresenceService } from '../../../src/modules/presence/presence.service';
import { InMemoryPresenceStore } from '../../../src/modules/presence/stores/in-memory-presence.store';
import type { Connection } from '../../../src/transport/connection';
import { ConnectionRegistry } from '../../../src/transport/connection-registry';
import type { EventPublisher } from '../../../src/transport/event-publisher';

/** The part of Connection the sweeper uses, recording what it was asked to do. */
function fakeConnection(id: string, connectedAt: number, lastFrameAt: number, userId?: string) {
  return {
    id,
    connectedAt,
    lastFrameAt,
    userId,
    closed: false,
    attributes: new Map<string, unknown>(),
    closeWithError: jest.fn(),
    destroy: jest.fn(),
  };
}

describe('HeartbeatService.sweep', () => {
  const config = presenceConfig.parse({ HEARTBEAT_INTERVAL_S: '10', HEARTBEAT_TIMEOUT_S: '30' });
  let registry: ConnectionRegistry;
  let touches: HeartbeatTouch[][];
  let service: HeartbeatService;

  beforeEach(() => {
    registry = new ConnectionRegistry();
    touches = [];
    const store = new InMemoryPresenceStore({ staleAfterMs: 60_000 });
    store.touch = async (t) => {
      touches.push(t);
      return [];
    };
    service = new HeartbeatService(registry, {} as EventPublisher, store, { restore: () => 0 } as unknown as PresenceService, config);
  });

  it('sweeps at least three times per timeout', () => {
    expect(config.sweepIntervalMs).toBeLessThanOrEqual(config.heartbeatTimeoutMs / 3);
    expect(presenceConfig.parse({}).sweepIntervalMs).toBe(5000);
    expect(presenceConfig.parse({ HEARTBEAT_INTERVAL_S: '0.2', HEARTBEAT_TIMEOUT_S: '0.6' }).sweepIntervalMs).toBe(200);
  });

  it('refuses a timeout that is not longer than the interval', () => {
    expect(() => presenceConfig.parse({ HEARTBEAT_INTERVAL_S: '30', HEARTBEAT_TIMEOUT_S: '30' })).toThrow(/HEARTBEAT_TIMEOUT_S=30: must be greater than HEARTBEAT_INTERVAL_S/);
    expect(presenceConfig.parse({ HEARTBEAT_INTERVAL_S: '20' }).heartbeatTimeoutMs).toBe(60_000);
  });

  it('closes connections silent longer than the timeout, logged in or not, and only those', () => {
    const now = 1_000_000;
    const fresh = fakeConnection('c-fresh', now - 100_000, now - 29_000, 'u-a');
    const silent = fakeConnection('c-silent', now - 100_000, now - 31_000, 'u-b');
    const neverSpoke = fakeConnection('c-anon', now - 31_000, 0);
    for (const c of [fresh, silent, neverSpoke]) registry.add(c as unknown as Connection);

    const result = service.sweep(now);
    expect(result).toMatchObject({ closed: 2, destroyed: 0 });
    expect(fresh.closeWithError).not.toHaveBeenCalled();
    expect(silent.closeWithError).toHaveBeenCalledWith('HEARTBEAT_TIMEOUT', expect.stringContaining('presence/heartbeat every 10 s'));
    expect(neverSpoke.closeWithError).toHaveBeenCalledTimes(1);
  });

  it('destroys a connection that did not close within the grace period, and asks only once', () => {
    const now = 1_000_000;
    const halfOpen = fakeConnection('c-ghost', 0, now - 31_000, 'u-a');
    registry.add(halfOpen as unknown as Connection);
    service.sweep(now);
    service.sweep(now + 1000);
    expect(halfOpen.closeWithError).toHaveBeenCalledTimes(1);
    expect(halfOpen.destroy).not.toHaveBeenCalled();
    // Grace: the timeout capped at 5 s (the sweep interval here is 5 s too).
    expect(service.sweep(now + 4999)).toMatchObject({ destroyed: 0 });
    expect(service.sweep(now + 5000)).toMatchObject({ destroyed: 1 });
    expect(halfOpen.destroy).toHaveBeenCalledTimes(1);
  });

  it('copies lastFrameAt of logged-in connections into the store when it moved', () => {
    const now = 1_000_000;
    const user = fakeConnection('c-user', now - 50_000, now - 1000, 'u-a');
    const anon = fakeConnection('c-anon', now - 50_000, now - 1000);
    registry.add(user as unknown as Connection);
    registry.add(anon as unknown as Connection);
    service.sweep(now);
    service.sweep(now + 10);
    user.lastFrameAt = now + 500;
    service.sweep(now + 1000);
    expect(touches).toEqual([
      [{ userId: 'u-a', connectionId: 'c-user', at: now - 1000 }],
      [{ userId: 'u-a', connectionId: 'c-user', at: now + 500 }],
    ]);
  });
});

import { aggregatePresence, OFFLINE, sameAnnounced, toAnnounced } from '../../../src/modules/presence/presence-aggregate';
import type { ConnectionPresence } from '../../../src/modules/presence/presence-store';

let n = 0;
function conn(partial: Partial<ConnectionPresence>): ConnectionPresence {
  n++;
  return {
    connectionId: `c-${n}`,
    userId: 'u-a',
    device: 'desktop',
    status: 'online',
    text: null,
    connectedAt: 1_000_000,
    updatedAt: 1_000_000 + n,
    heartbeatAt: 2_000_000,
    ...partial,
  };
}

describe('aggregatePresence', () => {
  it('is offline with the stored last_seen (seconds) when there is no connection', () => {
    expect(aggregatePresence('u-a', [], 1_730_000_000_999, 'others')).toEqual({
      user_id: 'u-a',
      status: 'offline',
      text: null,
      last_seen: 1_730_000_000,
      devices: [],
    });
    expect(aggregatePresence('u-a', [], undefined, 'others').last_seen).toBeNull();
  });

  it('takes the most available status: online > busy > away', () => {
    const phone = conn({ device: 'ios', status: 'away', text: 'on the train' });
    const desktop = conn({ device: 'windows', status: 'online' });
    expect(aggregatePresence('u-a', [phone, desktop], undefined, 'others')).toMatchObject({
      status: 'online',
      text: null,
      devices: ['ios', 'windows'],
    });
    expect(aggregatePresence('u-a', [phone], undefined, 'others')).toMatchObject({ status: 'away', text: 'on the train', devices: ['ios'] });
    const busy = conn({ status: 'busy', device: 'web' });
    expect(aggregatePresence('u-a', [phone, busy], undefined, 'others').status).toBe('busy');
  });

  it('breaks ties by the most recent change (its text wins)', () => {
    const older = conn({ status: 'busy', text: 'old', updatedAt: 10 });
    const newer = conn({ status: 'busy', text: 'new', updatedAt: 20 });
    expect(aggregatePresence('u-a', [newer, older], undefined, 'others').text).toBe('new');
    expect(aggregatePresence('u-a', [older, newer], undefined, 'others').text).toBe('new');
  });

  it('hides invisible connections from others but not from the user', () => {
    const hidden = conn({ status: 'invisible', device: 'android', heartbeatAt: 9_000_000 });
    expect(aggregatePresence('u-a', [hidden], 5_000, 'others')).toEqual({
      user_id: 'u-a',
      status: 'offline',
      text: null,
      last_seen: 5,
      devices: [],
    });
    expect(aggregatePresence('u-a', [hidden], 5_000, 'self')).toMatchObject({ status: 'invisible', devices: ['android'], last_seen: 9000 });
    // A visible connection beside an invisible one: only the visible device shows.
    const visible = conn({ status: 'away', device: 'web' });
    expect(aggregatePresence('u-a', [hidden, visible], undefined, 'others')).toMatchObject({ status: 'away', devices: ['web'] });
  });

  it('lists each device kind once, sorted, and names missing ones "unknown"', () => {
    const view = aggregatePresence('u-a', [conn({ device: 'ios' }), conn({ device: null }), conn({ device: 'ios' })], undefined, 'others');
    expect(view.devices).toEqual(['ios', 'unknown']);
  });

  it('uses the latest heartbeat as last_seen of an online user', () => {
    const view = aggregatePresence('u-a', [conn({ heartbeatAt: 3_000_500 }), conn({ heartbeatAt: 7_000_900 })], 1, 'others');
    expect(view.last_seen).toBe(7000);
  });
});

describe('sameAnnounced', () => {
  it('treats nothing announced as offline', () => {
    expect(sameAnnounced(undefined, OFFLINE)).toBe(true);
    expect(sameAnnounced(undefined, { status: 'online', text: null, devices: ['ios'] })).toBe(false);
  });

  it('compares status, text and devices but not last_seen', () => {
    const a = toAnnounced({ user_id: 'u', status: 'away', text: 'x', last_seen: 1, devices: ['ios'] });
    expect(sameAnnounced(a, toAnnounced({ user_id: 'u', status: 'away', text: 'x', last_seen: 99, devices: ['ios'] }))).toBe(true);
    expect(sameAnnounced(a, { ...a, text: 'y' })).toBe(false);
    expect(sameAnnounced(a, { ...a, status: 'busy' })).toBe(false);
    expect(sameAnnounced(a, { ...a, devices: ['ios', 'web'] })).toBe(false);
    expect(sameAnnounced(a, { ...a, devices: ['web'] })).toBe(false);
  });
});

import { RateLimitPlugin } from '../../../src/common/security/rate-limit.plugin';
import { securityConfig } from '../../../src/config/security.config';
import type { Connection } from '../../../src/transport/connection';

function fakeConnection(id: string, userId?: string): Connection {
  return { id, userId, remoteAddress: '127.0.0.1', attributes: new Map(), socket: { pause: () => undefined } } as unknown as Connection;
}

function outcome(plugin: RateLimitPlugin, conn: Connection, command = 'control/ping'): number | 'ok' {
  try {
    plugin.onInbound(conn, {}, command);
    return 'ok';
  } catch (err) {
    expect(err).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    return (err as { details: { retry_after_ms: number } }).details.retry_after_ms;
  }
}

describe('RateLimitPlugin', () => {
  // Buckets refill with the wall clock: on a loaded machine a second could pass between two
  // calls and refill a token. The clock stands still unless a test moves it.
  const realNow = Date.now;
  let frozen = 0;
  beforeEach(() => {
    frozen = realNow();
    Date.now = () => frozen;
  });
  afterEach(() => {
    Date.now = realNow;
  });
  const make = (env: Record<string, string>) => new RateLimitPlugin(securityConfig.parse({ RATE_LIMIT_FLOOD_STRIKES: '0', ...env }));

  it('is disabled when every bucket is 0', () => {
    expect(make({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0', RATE_LIMIT_HEARTBEAT_RPS: '0' }).enabled).toBe(false);
    expect(make({}).enabled).toBe(true);
  });

  it('does not charge the connection bucket when the user bucket refuses', () => {
    const plugin = make({ RATE_LIMIT_CONN_RPS: '1', RATE_LIMIT_CONN_BURST: '3', RATE_LIMIT_USER_RPS: '1', RATE_LIMIT_USER_BURST: '2' });
    const a = fakeConnection('a', 'u1');
    const b = fakeConnection('b', 'u1');
    plugin.onConnect(a);
    plugin.onConnect(b);
    expect([outcome(plugin, a), outcome(plugin, b)]).toEqual(['ok', 'ok']);
    expect(typeof outcome(plugin, a)).toBe('number');
    // a spent 1 of its 3 connection tokens; once logged out (no user bucket) it still has 2.
    a.userId = undefined;
    expect([outcome(plugin, a), outcome(plugin, a)]).toEqual(['ok', 'ok']);
    expect(typeof outcome(plugin, a)).toBe('number');
  });

  it('forgets a user bucket when the last connection closes with the bucket full, keeps a drained one', () => {
    const plugin = make({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '1', RATE_LIMIT_USER_BURST: '5' });
    const idle = fakeConnection('idle', 'u-idle');
    const busy = fakeConnection('busy', 'u-busy');
    plugin.onConnect(idle);
    plugin.onConnect(busy);
    expect(outcome(plugin, idle)).toBe('ok');
    for (let i = 0; i < 5; i++) outcome(plugin, busy);
    expect(plugin.userBuckets).toBe(2);
    // The registry clears userId before plugins see the close.
    idle.userId = undefined;
    busy.userId = undefined;
    plugin.onClose(busy);
    expect(plugin.userBuckets).toBe(2);
    // One token refills in 1 s; simulate the idle user's bucket being full by waiting it out.
    frozen += 10_000;
    plugin.onClose(idle);
    expect(plugin.userBuckets).toBe(1);
  });

  it('presence/heartbeat is not charged to the request buckets', () => {
    const plugin = make({ RATE_LIMIT_CONN_RPS: '1', RATE_LIMIT_CONN_BURST: '1', RATE_LIMIT_HEARTBEAT_RPS: '1', RATE_LIMIT_HEARTBEAT_BURST: '2' });
    const conn = fakeConnection('c');
    plugin.onConnect(conn);
    expect(outcome(plugin, conn)).toBe('ok');
    expect(typeof outcome(plugin, conn)).toBe('number');
    expect(outcome(plugin, conn, 'presence/heartbeat')).toBe('ok');
    expect(outcome(plugin, conn, 'presence/heartbeat')).toBe('ok');
    expect(typeof outcome(plugin, conn, 'presence/heartbeat')).toBe('number');
  });
});

/**
 * RedisEventBus start-up failure: an unreachable REDIS_URL fails start-up with a message naming
 * the variable (password redacted) instead of hanging, and leaves no open handles.
 */
import { RedisEventBus } from '../../../src/transport/redis-event-bus';

describe('RedisEventBus start-up', () => {
  it('rejects with a clear message when Redis is unreachable, without leaking the password', async () => {
    const bus = new RedisEventBus({ url: 'redis://:s3cret@127.0.0.1:1', keyPrefix: 'sb:', connectTimeoutMs: 300 });
    const failure = await bus.connect().then(() => undefined, (err: Error) => err);
    expect(failure).toBeInstanceOf(Error);
    expect(failure!.message).toMatch(/REDIS_URL/);
    expect(failure!.message).not.toContain('s3cret');
    expect(bus.isSubscribed).toBe(false);
  });

  it('uses one channel under the key prefix', () => {
    const bus = new RedisEventBus({ url: 'redis://127.0.0.1:1', keyPrefix: 'acme:', connectTimeoutMs: 100 });
    expect(bus.channel).toBe('acme:bus');
    return bus.close();
  });
});

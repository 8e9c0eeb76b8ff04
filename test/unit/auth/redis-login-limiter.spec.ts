/**
 * The Redis login limiter against a real Redis (runs when TEST_REDIS_URL is set; CI sets it).
 * Each run uses its own key prefix. Time-travel cases live in login-limiter.spec.ts (in-memory):
 * here lock TTLs are Redis' own.
 */
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { authConfig } from '../../../src/modules/auth/auth.config';
import { RedisLoginLimiter } from '../../../src/modules/auth/redis-login-limiter';
import { describeWith } from '../../support/requires';

const redisUrl = process.env.TEST_REDIS_URL;

describeWith({ redis: true }, 'RedisLoginLimiter', () => {
  const prefix = `sbtest:${randomBytes(4).toString('hex')}:`;
  const config = authConfig.parse({
    AUTH_LOGIN_MAX_FAILURES: '3',
    AUTH_LOGIN_USER_MAX_FAILURES: '6',
    AUTH_LOGIN_ADDRESS_MAX_FAILURES: '10',
    AUTH_LOGIN_WINDOW_S: '60',
    AUTH_LOGIN_LOCK_S: '10',
    AUTH_LOGIN_MAX_LOCK_S: '35',
  });
  let limiter: RedisLoginLimiter;
  let other: RedisLoginLimiter;
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(redisUrl!);
    limiter = new RedisLoginLimiter(new Redis(redisUrl!), prefix, config);
    // A second "node" sharing the same Redis.
    other = new RedisLoginLimiter(new Redis(redisUrl!), prefix, config);
  });
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    await admin.quit();
    await limiter.onModuleDestroy();
    await other.onModuleDestroy();
  });

  const key = (username: string, address = '10.0.0.1') => ({ username, address });

  it('locks the pair at the threshold, counting failures seen by every node', async () => {
    await limiter.recordFailure(key('alice'));
    await other.recordFailure(key('alice'));
    expect(await limiter.retryAfterMs(key('alice'))).toBe(0);
    await other.recordFailure(key('alice'));
    const wait = await limiter.retryAfterMs(key('alice'));
    expect(wait).toBeGreaterThan(9_000);
    expect(wait).toBeLessThanOrEqual(10_000);
  });

  it('does not lock a neighbour behind the same address', async () => {
    for (let i = 0; i < 3; i++) await limiter.recordFailure(key('victim', '10.0.0.5'));
    expect(await limiter.retryAfterMs(key('victim', '10.0.0.5'))).toBeGreaterThan(0);
    expect(await other.retryAfterMs(key('neighbour', '10.0.0.5'))).toBe(0);
  });

  it('doubles the lock for the next lock of the same key', async () => {
    const k = key('bob', '10.0.0.9');
    for (let i = 0; i < 3; i++) await limiter.recordFailure(k);
    expect(await limiter.retryAfterMs(k)).toBeLessThanOrEqual(10_000);
    // Simulate the first lock having expired, then fail again up to the threshold.
    await admin.del(`${prefix}login:{p:10.0.0.9|bob}:lock`);
    for (let i = 0; i < 3; i++) await limiter.recordFailure(k);
    expect(await limiter.retryAfterMs(k)).toBeGreaterThan(19_000);
  });

  it('locks a username guessed from many addresses, and an address trying many usernames', async () => {
    for (let i = 0; i < 6; i++) await limiter.recordFailure(key('carol', `10.1.0.${i}`));
    expect(await limiter.retryAfterMs(key('carol', '10.9.9.9'))).toBeGreaterThan(0);
    for (let i = 0; i < 10; i++) await limiter.recordFailure(key(`u${i}`, '10.2.0.1'));
    expect(await limiter.retryAfterMs(key('innocent', '10.2.0.1'))).toBeGreaterThan(0);
    expect(await limiter.retryAfterMs(key('innocent', '10.2.0.2'))).toBe(0);
  });

  it('a success clears the pair', async () => {
    const k = key('dave', '10.3.0.1');
    await limiter.recordFailure(k);
    await limiter.recordFailure(k);
    await other.recordSuccess(k);
    await limiter.recordFailure(k);
    await limiter.recordFailure(k);
    expect(await limiter.retryAfterMs(k)).toBe(0);
  });
});

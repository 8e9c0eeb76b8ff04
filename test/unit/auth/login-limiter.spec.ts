import { authConfig } from '../../../src/modules/auth/auth.config';
import { InMemoryLoginLimiter } from '../../../src/modules/auth/login-limiter';

describe('InMemoryLoginLimiter', () => {
  let now = 1_000_000;
  let limiter: InMemoryLoginLimiter;
  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    limiter = new InMemoryLoginLimiter(
      authConfig.parse({
        AUTH_LOGIN_MAX_FAILURES: '3',
        AUTH_LOGIN_USER_MAX_FAILURES: '6',
        AUTH_LOGIN_ADDRESS_MAX_FAILURES: '10',
        AUTH_LOGIN_WINDOW_S: '60',
        AUTH_LOGIN_LOCK_S: '10',
        AUTH_LOGIN_MAX_LOCK_S: '35',
      }),
    );
  });
  afterEach(() => {
    limiter.onModuleDestroy();
    jest.restoreAllMocks();
  });

  const key = (username: string, address = '10.0.0.1') => ({ username, address });
  const fail = async (k: { username: string; address: string }, n: number) => {
    for (let i = 0; i < n; i++) await limiter.recordFailure(k);
  };

  it('locks the pair at the threshold, for a period that doubles with each lock up to the cap', async () => {
    await fail(key('alice'), 2);
    expect(await limiter.retryAfterMs(key('alice'))).toBe(0);
    await fail(key('alice'), 1);
    expect(await limiter.retryAfterMs(key('alice'))).toBe(10_000);
    now += 10_000;
    expect(await limiter.retryAfterMs(key('alice'))).toBe(0);
    await fail(key('alice'), 3);
    expect(await limiter.retryAfterMs(key('alice'))).toBe(20_000);
    now += 20_000;
    await fail(key('alice'), 3);
    expect(await limiter.retryAfterMs(key('alice'))).toBe(35_000); // 40 s capped at 35 s
  });

  it('only counts failures inside the window', async () => {
    await fail(key('alice'), 2);
    now += 61_000;
    await fail(key('alice'), 2);
    expect(await limiter.retryAfterMs(key('alice'))).toBe(0);
  });

  it('locks a username guessed from many addresses at the per-user threshold', async () => {
    for (let i = 0; i < 6; i++) await limiter.recordFailure(key('alice', `10.0.1.${i}`));
    expect(await limiter.retryAfterMs(key('alice', '10.9.9.9'))).toBeGreaterThan(0);
    expect(await limiter.retryAfterMs(key('bob', '10.0.1.1'))).toBe(0);
  });

  it('locks an address trying many usernames only at the much higher address threshold', async () => {
    for (let i = 0; i < 9; i++) await limiter.recordFailure(key(`user${i}`));
    expect(await limiter.retryAfterMs(key('innocent'))).toBe(0);
    await limiter.recordFailure(key('user9'));
    expect(await limiter.retryAfterMs(key('innocent'))).toBeGreaterThan(0);
    expect(await limiter.retryAfterMs(key('innocent', '10.0.0.2'))).toBe(0);
  });

  it('a success clears the pair but not failures others caused on the username', async () => {
    await fail(key('alice'), 2);
    await limiter.recordSuccess(key('alice'));
    await fail(key('alice'), 2);
    expect(await limiter.retryAfterMs(key('alice'))).toBe(0);
    await fail(key('alice', '10.0.0.7'), 2); // user total now 6
    expect(await limiter.retryAfterMs(key('alice', '10.0.0.8'))).toBeGreaterThan(0);
  });
});

/**
 * The cluster-wide user bucket: local views charged without Redis, reported in batches to one
 * shared bucket (real Redis, unique key prefix per test), debts seen by every node, and Redis
 * outages falling back to per-node limits (a private redis-server, stopped and started).
 */
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { ClusterRateLimit, SharedTokenBucket } from '../../../src/common/security/cluster-rate-limit';
import { redisConfig } from '../../../src/config/redis.config';
import { securityConfig } from '../../../src/config/security.config';
import { PrivateRedis, startPrivateRedis } from '../../support/redis-server';
import { describeWith } from '../../support/requires';

const SPEC = { ratePerSecond: 10, burst: 20 };

describe('SharedTokenBucket (local view)', () => {
  it('lists itself for the next report on its first charge only, and adopts levels net of charges in flight', () => {
    const listed: SharedTokenBucket[] = [];
    const bucket = new SharedTokenBucket(SPEC, 1000, 'k', (b) => listed.push(b));
    bucket.consume();
    bucket.consume();
    expect(listed).toEqual([bucket]);
    expect(bucket.unreported).toBe(2);
    // A report took the 2 charges; one more frame was admitted while it was in flight.
    bucket.unreported = 0;
    bucket.consume();
    expect(listed).toHaveLength(2);
    bucket.adopt(-4, 1000);
    // -4 from the cluster, minus the charge the report did not carry: 6 tokens short of one.
    expect(bucket.level(1000)).toBe(-5);
    expect(bucket.waitMs(1000)).toBe(600);
    expect(bucket.waitMs(1600)).toBe(0);
  });

  it('never adopts more than its burst', () => {
    const bucket = new SharedTokenBucket(SPEC, 0, 'k', () => undefined);
    bucket.adopt(1e6, 0);
    expect(bucket.level(0)).toBe(SPEC.burst);
  });
});

function node(url: string, prefix: string, syncMs = 10_000): ClusterRateLimit {
  // A long interval: the tests report by hand, so nothing races their assertions.
  return new ClusterRateLimit(
    securityConfig.parse({ RATE_LIMIT_USER_RPS: String(SPEC.ratePerSecond), RATE_LIMIT_USER_BURST: String(SPEC.burst), RATE_LIMIT_SYNC_MS: String(syncMs) }),
    redisConfig.parse({ REDIS_URL: url, REDIS_KEY_PREFIX: prefix }),
  );
}

/** The limiter's own client: its key TTLs and reconnects are what the tests look at. */
const clientOf = (limiter: ClusterRateLimit) => (limiter as unknown as { redis: Redis }).redis;

function spend(bucket: SharedTokenBucket, max: number, now = Date.now()): number {
  let admitted = 0;
  while (admitted < max && bucket.waitMs(now) === 0) {
    bucket.consume();
    admitted++;
  }
  return admitted;
}

describeWith({ redis: true }, 'ClusterRateLimit on Redis', () => {
  const url = process.env.TEST_REDIS_URL!;
  let nodes: ClusterRateLimit[] = [];
  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.onModuleDestroy()));
    nodes = [];
  });
  const start = async (prefix: string) => {
    const n = node(url, prefix);
    nodes.push(n);
    await n.ready();
    return n;
  };

  it('is off without REDIS_URL or with RATE_LIMIT_SYNC_MS=0', async () => {
    const sec = securityConfig.parse({ RATE_LIMIT_SYNC_MS: '0' });
    const off = [new ClusterRateLimit(securityConfig.parse({}), redisConfig.parse({})), new ClusterRateLimit(sec, redisConfig.parse({ REDIS_URL: url }))];
    expect(off.map((n) => n.enabled)).toEqual([false, false]);
    await Promise.all(off.map((n) => n.onModuleDestroy()));
  });

  it("shares one user's budget between two nodes: what one spent, the other sees at its next report", async () => {
    const prefix = `rltest-${randomBytes(4).toString('hex')}:`;
    const [a, b] = await Promise.all([start(prefix), start(prefix)]);
    const onA = a.userBucket('u1', SPEC, Date.now());
    const onB = b.userBucket('u1', SPEC, Date.now());
    expect(spend(onA, 15)).toBe(15);
    expect(a.pending).toBe(1);
    await a.report();
    expect(a.pending).toBe(0);
    // B has spent nothing yet: its first charge is admitted from its (stale) view...
    expect(spend(onB, 1)).toBe(1);
    await b.report();
    // ...and the report brings A's 15 in: about 4 tokens left for both (plus refill since).
    expect(onB.level()).toBeGreaterThan(3);
    expect(onB.level()).toBeLessThan(6);
    expect(spend(onB, 100)).toBeLessThan(6);
    // Another user's bucket is untouched.
    const other = b.userBucket('u2', SPEC, Date.now());
    await b.report();
    expect(spend(other, 100)).toBe(SPEC.burst);
  });

  it('turns what two nodes admitted from stale views in one interval into a debt both repay', async () => {
    const prefix = `rltest-${randomBytes(4).toString('hex')}:`;
    const [a, b] = await Promise.all([start(prefix), start(prefix)]);
    const onA = a.userBucket('u1', SPEC, Date.now());
    const onB = b.userBucket('u1', SPEC, Date.now());
    // Both spend the whole burst before either reports: the over-admission is one burst.
    expect(spend(onA, 100) + spend(onB, 100)).toBe(2 * SPEC.burst);
    await a.report();
    await b.report();
    // B reported second: it sees the debt, about -burst (plus the refill since), so it refuses
    // for ~(burst + 1) / rate = 2.1 s.
    expect(onB.level()).toBeLessThan(-SPEC.burst + 2);
    expect(onB.waitMs()).toBeGreaterThan(1900);
    // A saw 0 at its report and refuses anyway; the next frame it admits (after a refill) brings
    // the debt back with the report it triggers.
    expect(onA.waitMs()).toBeGreaterThan(0);
    onA.consume();
    await a.report();
    expect(onA.level()).toBeLessThan(-SPEC.burst + 1);
    expect(onA.waitMs()).toBeGreaterThan(1900);
    const ttl = await clientOf(a).pttl(`${prefix}rl:u:u1`);
    // Kept until it would be full again: (burst - level) / rate ≈ 4 s, plus 1 s.
    expect(ttl).toBeGreaterThan(4000);
    expect(ttl).toBeLessThanOrEqual(5100);
  });
});

describeWith({ redisServer: true }, 'ClusterRateLimit during a Redis outage', () => {
  let redis: PrivateRedis;
  let limiter: ClusterRateLimit | undefined;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await limiter?.onModuleDestroy();
    await redis?.stop();
  });

  it('falls back to the per-node budget without throwing, and shares again once Redis is back', async () => {
    limiter = node(redis.url, 'outage:');
    await limiter.ready();
    const view = limiter.userBucket('u1', SPEC, Date.now());
    spend(view, 5);
    await limiter.report();
    expect(limiter.degraded).toBe(false);

    await redis.stop();
    expect(spend(view, 3)).toBe(3);
    await expect(limiter.report()).resolves.toBeUndefined();
    expect(limiter.degraded).toBe(true);
    expect(limiter.failedReports).toBe(1);
    // The local view still enforces this node's budget: 20 - 8 = 12 left (plus a little refill).
    const left = spend(view, 100);
    expect(left).toBeGreaterThanOrEqual(12);
    expect(left).toBeLessThanOrEqual(14);
    expect(view.waitMs()).toBeGreaterThan(0);

    await redis.start();
    // ioredis reconnects by itself; the first report after that gets through.
    await limiter.ready();
    view.consume();
    await limiter.report();
    expect(limiter.degraded).toBe(false);
    // Redis restarted empty: the 3 charges of the failed report were dropped; the ones since
    // (left + 1) are in the new shared bucket (plus a little refill).
    const level = Number(redis.cli('HGET', 'outage:rl:u:u1', 'l').trim());
    expect(level).toBeGreaterThanOrEqual(SPEC.burst - left - 1);
    expect(level).toBeLessThan(SPEC.burst - left + 1);
  });
});

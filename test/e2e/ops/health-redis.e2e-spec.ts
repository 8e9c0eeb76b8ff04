/**
 * /health/ready with REDIS_URL set: the Redis check joins readiness, and a Redis that goes away
 * turns the server not-ready. Uses a private redis-server on a free port (so stopping it touches
 * no other test); needs the redis-server binary (describeWith: skipped locally, an error in CI).
 */
import { PrivateRedis, startPrivateRedis } from '../../support/redis-server';
import { describeWith } from '../../support/requires';
import { startTestApp, TestApp } from '../../support/test-app';

async function ready(app: TestApp): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`http://127.0.0.1:${app.httpPort}/health/ready`);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describeWith({ redisServer: true }, 'readiness with Redis', () => {
  let redis: PrivateRedis;
  let app: TestApp;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    app = await startTestApp({
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `sbh${process.pid}:`,
    });
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('is ready with Redis up, 503 while it is down, and ready again when it is back', async () => {
    const up = await ready(app);
    expect(up.status).toBe(200);
    expect(up.body.info.redis).toMatchObject({ status: 'up' });

    await redis.stop();

    const down = await ready(app);
    expect(down.status).toBe(503);
    expect(down.body.error.redis).toMatchObject({ status: 'down' });
    expect(down.body.info.database).toMatchObject({ status: 'up' });

    // Redis comes back on the same address: readiness recovers without a restart, as a probe
    // would see it (the clients reconnect with back-off, so poll the probe, bounded).
    await redis.start();
    const deadline = Date.now() + 10_000;
    let again = await ready(app);
    while (again.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      again = await ready(app);
    }
    expect(again.status).toBe(200);
    expect(again.body.info.redis).toMatchObject({ status: 'up' });
  });
});

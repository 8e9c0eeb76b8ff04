/**
 * /health/ready with REDIS_URL set: the Redis check joins readiness, and a Redis that goes away
 * turns the server not-ready. Uses a private redis-server on a free port (so stopping it touches
 * no other test); skipped when redis-server is not installed (CI has it).
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as net from 'node:net';
import { startTestApp, TestApp } from '../../support/test-app';

function hasRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
  return child;
}

async function ready(app: TestApp): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`http://127.0.0.1:${app.httpPort}/health/ready`);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

(hasRedisServer() ? describe : describe.skip)('readiness with Redis', () => {
  let redis: ChildProcess | undefined;
  let app: TestApp;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    app = await startTestApp({
      REDIS_URL: `redis://127.0.0.1:${port}`,
      REDIS_KEY_PREFIX: `sbh${process.pid}:`,
    });
  });
  afterAll(async () => {
    await app?.close();
    if (redis && redis.exitCode === null) redis.kill('SIGKILL');
  });

  it('is ready with Redis up, 503 while it is down, and ready again when it is back', async () => {
    const up = await ready(app);
    expect(up.status).toBe(200);
    expect(up.body.info.redis).toMatchObject({ status: 'up' });

    const exited = new Promise((resolve) => redis!.once('exit', resolve));
    redis!.kill('SIGKILL');
    await exited;

    const down = await ready(app);
    expect(down.status).toBe(503);
    expect(down.body.error.redis).toMatchObject({ status: 'down' });
    expect(down.body.info.database).toMatchObject({ status: 'up' });

    // Redis comes back on the same address: readiness recovers without a restart, as a probe
    // would see it (the clients reconnect with back-off, so poll the probe, bounded).
    redis = await startRedis(port);
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

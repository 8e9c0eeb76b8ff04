/**
 * /health/live and /health/ready on the HTTP ops port of the real app: ready is 200 normally,
 * 503 while draining, and 503 when the database really stops answering.
 */
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DrainService } from '../../../src/modules/lifecycle/drain.service';
import { LogCapture } from '../../support/log-capture';
import { testEngine } from '../../support/test-db';
import { startTestApp, TestApp } from '../../support/test-app';

async function get(
  app: TestApp,
  path: string,
): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`http://127.0.0.1:${app.httpPort}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe('health probes', () => {
  describe('normal operation and drain', () => {
    let app: TestApp;
    const logs = new LogCapture();
    beforeAll(async () => {
      app = await startTestApp({ LOG_LEVEL: 'info' }, { logStream: logs });
    });
    afterAll(async () => {
      await app.close();
    });

    it('live answers 200 with the process indicator', async () => {
      const { status, body } = await get(app, '/health/live');
      expect(status).toBe(200);
      expect(body).toMatchObject({
        status: 'ok',
        info: { process: { status: 'up', pid: process.pid } },
      });
    });

    it('ready answers 200 with database, TCP listener and lifecycle up', async () => {
      const { status, body } = await get(app, '/health/ready');
      expect(status).toBe(200);
      expect(body.status).toBe('ok');
      expect(body.info).toMatchObject({
        database: { status: 'up' },
        migrations: { status: 'up' },
        tcp: { status: 'up', port: app.tcpPort },
        lifecycle: { status: 'up', state: 'running' },
      });
      // No REDIS_URL in this app: the Redis check is not part of readiness.
      expect(body.info.redis).toBeUndefined();
    });

    it('ready turns 503 once the drain starts, while live stays 200', async () => {
      const client = await app.connect();
      const drained = app.app.get(DrainService).drain(2000);
      const notice = await client.waitFor('control/error');
      expect(notice.payload).toMatchObject({ error_code: 'SERVER_DRAINING', retry_after_ms: 1000 });
      const ready = await get(app, '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe('error');
      expect(ready.body.error).toMatchObject({
        lifecycle: { status: 'down' },
        tcp: { status: 'down' },
      });
      expect((await get(app, '/health/live')).status).toBe(200);
      // Load balancers poll readiness during every drain: that is logged at info, not error.
      const failed = logs.lines.filter(
        (l) => l.context === 'Health' && String(l.msg).startsWith('Health Check has failed'),
      );
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.map((l) => l.level)).toEqual(failed.map(() => 'info'));
      expect((await drained).idle).toBe(true);
      await client.closed;
    });
  });

  describe('database unreachable', () => {
    let app: TestApp;
    let role: string | undefined;
    const url = process.env.TEST_DATABASE_URL;

    beforeAll(async () => {
      if (testEngine() === 'postgres') {
        // A login role of our own, so we can lock it out without touching other test runs.
        role = `sb_health_${process.pid}_${Date.now().toString(36)}`;
        const admin = new Client({ connectionString: url });
        await admin.connect();
        // SUPERUSER only so it can run the migrations in the per-test schema startTestApp creates.
        await admin.query(`CREATE ROLE "${role}" LOGIN SUPERUSER`);
        await admin.end();
        const appUrl = new URL(url!);
        appUrl.username = role;
        app = await startTestApp({ DATABASE_URL: appUrl.toString() });
      } else {
        app = await startTestApp();
      }
    });

    afterAll(async () => {
      await app?.close().catch(() => undefined);
      if (role) {
        const admin = new Client({ connectionString: url });
        await admin.connect();
        await admin.query(`DROP OWNED BY "${role}"`).catch(() => undefined);
        await admin.query(`DROP ROLE IF EXISTS "${role}"`);
        await admin.end();
      }
    });

    it('ready is 503 with the database indicator down', async () => {
      expect((await get(app, '/health/ready')).status).toBe(200);
      const dataSource = app.app.get<DataSource>(getDataSourceToken());
      if (role) {
        // Lock the role out and kill its sessions: the pool cannot reconnect.
        const admin = new Client({ connectionString: url });
        await admin.connect();
        await admin.query(`ALTER ROLE "${role}" NOLOGIN`);
        await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`,
          [role],
        );
        await admin.end();
      } else {
        // Close the native SQLite handle under TypeORM: every query now fails.
        (
          dataSource.driver as unknown as { databaseConnection: { close(): void } }
        ).databaseConnection.close();
      }
      const { status, body } = await get(app, '/health/ready');
      expect(status).toBe(503);
      expect(body.error.database.status).toBe('down');
      expect(body.info).toMatchObject({ tcp: { status: 'up' }, lifecycle: { status: 'up' } });
    });
  });
});

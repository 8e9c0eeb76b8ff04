/**
 * File transfer through a real HAProxy with the file frontend of docker/haproxy.cfg: two real
 * server processes (shared PostgreSQL, Redis and storage directory) behind it, PROXY v2 on both
 * ports, the nodes advertising the balancer (FILE_PUBLIC_HOST / FILE_PUBLIC_PORT). Clients use
 * only the balancer's two ports; the data connections land on both nodes, whichever node
 * answered file/request, and every file arrives byte-identical.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { RunningHaproxy, startHaproxy } from '../../support/haproxy';
import { freePort } from '../../support/redis-server';
import { describeWith } from '../../support/requires';
import { spawnServer, SpawnedServer } from '../../support/spawn-server';
import { createTestDatabase, TestDatabase } from '../../support/test-db';
import { login, registerOn } from '../../support/users';
import { randomContent, sha256, uploadRequest } from '../file/file-helpers';

/** File data connections a node accepted so far (its /metrics). */
async function fileConnections(node: SpawnedServer): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${node.httpPort}/metrics`)).text();
  const m = /^switchboard_channel_connections_total\{channel="file"\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

describeWith({ postgres: true, redis: true, haproxy: true }, 'file transfer through HAProxy (file frontend, PROXY v2, two nodes)', () => {
  let db: TestDatabase;
  let storageDir: string;
  let nodes: SpawnedServer[] = [];
  let lb: RunningHaproxy | undefined;
  const clients: SwitchboardClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-lb-files-'));
    const lbFilePort = await freePort();
    const env = {
      ...db.env,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      REDIS_KEY_PREFIX: `lbf${randomBytes(3).toString('hex')}:`,
      AUTH_JWT_SECRET: 'haproxy-file-test-secret-0123456789abcdef',
      RATE_LIMIT_CONN_RPS: '0',
      RATE_LIMIT_USER_RPS: '0',
      PROXY_PROTOCOL: 'v2',
      PROXY_PROTOCOL_TRUSTED: '127.0.0.1',
      FILE_STORAGE_DIR: storageDir,
      FILE_CHUNK_SIZE: String(64 * 1024),
      // As docker-compose.yml: file/request answers name the balancer.
      FILE_PUBLIC_HOST: '127.0.0.1',
      FILE_PUBLIC_PORT: String(lbFilePort),
    };
    const filePorts = [await freePort(), await freePort()];
    // One after the other: the first applies the migrations.
    for (const filePort of filePorts) nodes.push(await spawnServer({ ...env, FILE_PORT: String(filePort) }));
    lb = await startHaproxy(
      nodes.map((n) => ({ tcpPort: n.tcpPort, httpPort: n.httpPort })),
      { sendProxy: 'v2', files: { port: lbFilePort, backends: nodes.map((n, i) => ({ tcpPort: filePorts[i], httpPort: n.httpPort })) } },
    );
  }, 90_000);

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await lb?.stop();
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    nodes = [];
    await db?.drop();
    fs.rmSync(storageDir, { recursive: true, force: true });
  });

  async function viaLb(): Promise<SwitchboardClient> {
    // HAProxy accepts at once; a node may still be unchecked: retry like a client.
    for (let attempt = 0; ; attempt++) {
      const client = await SwitchboardClient.connect({ port: lb!.port, timeoutMs: 10_000 });
      const pong = await client.request('control/ping', {}).catch(() => undefined);
      if (pong?.payload.status === 200) {
        clients.push(client);
        return client;
      }
      client.destroy();
      if (attempt > 50) throw new Error('balancer never routed to a node');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('uploads and downloads only through the balancer; both nodes serve data connections', async () => {
    const setup = await viaLb();
    const alice = await registerOn(setup, { prefix: 'lbf' });
    const bob = await registerOn(setup, { prefix: 'lbf' });
    const a = await viaLb();
    await login(a, alice.username, alice.password);
    const b = await viaLb();
    await login(b, bob.username, bob.password);
    const target = { type: 'user' as const, id: bob.userId };
    const contents = [0, 1, 2, 3].map((i) => randomContent(1024 * 1024 + i * 4099));

    // The answer names the balancer, whichever node gave it.
    const first = await a.call('file/request', uploadRequest(contents[0], target));
    expect(first).toMatchObject({ status: 200, endpoint: { host: '127.0.0.1', port: lb!.filePort, protocol: 'tcp' } });
    const before = await Promise.all(nodes.map(fileConnections));
    // At once, so leastconn spreads the data connections over both nodes.
    const uploads = await Promise.all(
      contents.map((data, i) => a.upload(data, target, { fileName: `lb-${i}.bin`, ...(i === 0 ? { resumeTransferId: first.transfer_id as string } : {}) })),
    );
    const copies = await Promise.all(
      uploads.map(async (u) => {
        const chunks: Buffer[] = [];
        const { Writable } = await import('node:stream');
        await b.download(u.fileId, new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) }));
        return Buffer.concat(chunks);
      }),
    );
    copies.forEach((copy, i) => expect(sha256(copy)).toBe(sha256(contents[i])));
    copies.forEach((copy, i) => expect(copy.equals(contents[i])).toBe(true));
    const served = (await Promise.all(nodes.map(fileConnections))).map((n, i) => n - before[i]);
    console.info(`haproxy-file: data connections per node through the balancer: ${served.join(', ')}`);
    expect(served.reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(8);
    expect(served.every((n) => n > 0)).toBe(true);
  }, 90_000);
});

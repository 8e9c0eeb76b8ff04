/**
 * #18.8: the per-user file quota and the concurrency limit hold across nodes. Two server nodes
 * share one PostgreSQL schema; the same user asks both at the same moment for an upload that fits
 * the quota alone but not together (FILE_QUOTA_BYTES=30000000, two × 20 MB): exactly one is
 * accepted, every round. Before, each node counted the bytes without the other's request (7 of
 * 10 rounds accepted both).
 * PostgreSQL only: two processes on one SQLite file is not a supported deployment.
 */
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { describeWith } from '../../support/requires';
import { loginAs, registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { tempDir } from './file-helpers';

const ROUNDS = 10;
const secret = 'file-quota-cluster-secret-0123456789abcdef';

function request(client: SwitchboardClient, size: number, target: string, n: number) {
  return client.request('file/request', { file_name: `big-${n}.bin`, file_size: size, hash: `sha256:${n.toString(16).padStart(64, '0')}`, target: { type: 'user', id: target } });
}

describeWith({ postgres: true }, '#18.8 the file quota holds cluster-wide (reserved in the database, atomically)', () => {
  let node1: TestApp;
  let node2: TestApp;
  const storage = tempDir();
  beforeAll(async () => {
    const env = { AUTH_JWT_SECRET: secret, FILE_STORAGE_DIR: storage.dir, FILE_QUOTA_BYTES: '30000000', FILE_MAX_BYTES: '25000000', FILE_MAX_CONCURRENT: '1' };
    node1 = await startTestApp(env);
    // Same database as node 1: the second process of one deployment.
    node2 = await startTestApp({ ...env, ...node1.db.env, MIGRATIONS_RUN: 'off' });
  });
  afterAll(async () => {
    await node2?.close();
    await node1?.close();
    storage.cleanup();
  });

  it(`accepts exactly one of two simultaneous 20 MB requests on two nodes under a 30 MB quota, ${ROUNDS} rounds out of ${ROUNDS}`, async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const [alice, bob] = await Promise.all([registerAndLogin(node1), registerAndLogin(node1)]);
      const onNode2 = await loginAs(node2, alice, 'second');
      const answers = await Promise.all([request(alice.client, 20_000_000, bob.userId, 2 * round + 1), request(onNode2, 20_000_000, bob.userId, 2 * round + 2)]);
      const statuses = answers.map((a) => a.payload.status).sort();
      outcomes.push(statuses.join('+'));
      const refused = answers.find((a) => a.payload.status === 413)?.payload;
      if (refused) expect(refused).toMatchObject({ error_code: 'QUOTA_EXCEEDED', quota_bytes: 30_000_000, used_bytes: 20_000_000 });
      await onNode2.close();
    }
    expect(outcomes).toEqual(Array(ROUNDS).fill('200+413'));
  });

  it('takes the last transfer slot once across nodes: the other request is queued (202)', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const [alice, bob] = await Promise.all([registerAndLogin(node1), registerAndLogin(node1)]);
      const onNode2 = await loginAs(node2, alice, 'second');
      const answers = await Promise.all([request(alice.client, 1000, bob.userId, 1), request(onNode2, 1000, bob.userId, 2)]);
      expect(answers.map((a) => a.payload.status).sort()).toEqual([200, 202]);
      await onNode2.close();
    }
  });
});

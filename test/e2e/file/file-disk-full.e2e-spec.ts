/**
 * #18.6: file storage on a real, tiny file system (an 8 MiB tmpfs, so the kernel answers ENOSPC
 * and statfs tells the truth; no fault injection). A disk that fills up under an upload ends that
 * upload with 507 STORAGE_FULL (retry_after_ms, on the data channel and in file/ack), deletes its
 * partial data, shows in /health/ready's body and in the metrics, and the low-disk threshold
 * (FILE_MIN_FREE_BYTES) refuses new uploads at file/request until space is back.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TlvType } from '../../../src/shared/protocol';
import { describeWith } from '../../support/requires';
import { mountTmpfs, Tmpfs } from '../../support/tmpfs';
import { LoggedInUser, registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { openData, randomContent, sendData, uploadRequest } from './file-helpers';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;

async function get(app: TestApp, route: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${app.httpPort}${route}`);
  return { status: res.status, text: await res.text() };
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`metric ${name} not exposed`);
  return Number(line.split(' ')[1]);
}

describeWith({ tmpfs: true }, '#18.6 disk full: a clear STORAGE_FULL (507), space reclaimed, readiness and metric show it, a low-disk threshold', () => {
  let disk: Tmpfs;
  let app: TestApp;
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  beforeAll(async () => {
    disk = mountTmpfs(8 * MiB);
    app = await startTestApp({ FILE_STORAGE_DIR: disk.dir, FILE_CHUNK_SIZE: String(CHUNK), FILE_ACK_EVERY: '4', FILE_MIN_FREE_BYTES: String(2 * MiB), FILE_MAX_CONCURRENT: '2' });
    [alice, bob] = await Promise.all([registerAndLogin(app), registerAndLogin(app)]);
  });
  afterAll(async () => {
    await app?.close();
    disk?.cleanup();
  });

  it('refuses at file/request an upload that would leave less than FILE_MIN_FREE_BYTES', async () => {
    const answer = await alice.client.request('file/request', { file_name: 'big.iso', file_size: 7 * MiB, hash: `sha256:${'c'.repeat(64)}`, target: { type: 'user', id: bob.userId } });
    expect(answer.payload).toMatchObject({ status: 507, error_code: 'STORAGE_FULL', retry_after_ms: 60_000 });
    expect(answer.payload.error_message).toContain('FILE_MIN_FREE_BYTES');
    const small = await alice.client.request('file/request', uploadRequest(randomContent(1000), { type: 'user', id: bob.userId }));
    expect(small.payload.status).toBe(200);
    await alice.client.call('file/cancel', { transfer_id: small.payload.transfer_id });
  });

  it('ends an upload the disk fills up under with STORAGE_FULL, deletes its partial data, reports it, and accepts uploads again once space is back', async () => {
    const content = randomContent(4 * MiB);
    const accept = await alice.client.call('file/request', uploadRequest(content, { type: 'user', id: bob.userId }, { file_name: 'video.mp4' }));
    // Something else fills the disk after the upload was accepted.
    const filler = path.join(disk.dir, 'filler');
    fs.writeFileSync(filler, Buffer.alloc(Math.round(6.4 * MiB)));
    const { peer } = await openData(accept, alice.client);
    sendData(peer, content, 0, CHUNK);
    const error = await peer.nextJson(TlvType.ERROR);
    expect(error).toMatchObject({ status: 507, error_code: 'STORAGE_FULL', retry_after_ms: 60_000 });
    await peer.whenClosed();
    const ack = await alice.client.waitFor((f) => f.command === 'file/ack' && f.payload.transfer_id === accept.transfer_id);
    expect(ack.payload).toMatchObject({ status: 507, error_code: 'STORAGE_FULL', retry_after_ms: 60_000 });
    expect(await alice.client.call('file/ack', { transfer_id: accept.transfer_id })).toMatchObject({ state: 'failed', error_code: 'STORAGE_FULL' });
    // The partial data is gone: its space is free again.
    expect(fs.existsSync(path.join(disk.dir, 'partial', accept.transfer_id))).toBe(false);
    const stats = fs.statfsSync(disk.dir);
    expect(stats.bavail * stats.bsize).toBeGreaterThan(MiB);

    // Readiness reports it (without taking the node out: it still serves messaging), and so do the metrics.
    const ready = await get(app, '/health/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text).info.file_storage).toMatchObject({ status: 'up', state: 'full', min_free_bytes: 2 * MiB });
    const metrics = (await get(app, '/metrics')).text;
    expect(metric(metrics, 'switchboard_file_storage_low')).toBe(1);
    expect(metric(metrics, 'switchboard_file_storage_full_total')).toBe(1);
    expect(metric(metrics, 'switchboard_file_storage_free_bytes')).toBeLessThan(2 * MiB);

    // While it stays below the threshold, new uploads are refused at once, clearly (SDK included).
    await expect(alice.client.upload(randomContent(1000), { type: 'user', id: bob.userId }, { fileName: 'note.txt' })).rejects.toMatchObject({ status: 507, code: 'STORAGE_FULL', retryAfterMs: 60_000 });

    fs.rmSync(filler);
    const small = randomContent(1000);
    const uploaded = await alice.client.upload(small, { type: 'user', id: bob.userId }, { fileName: 'note.txt' });
    expect(uploaded.size).toBe(1000);
    expect(JSON.parse((await get(app, '/health/ready')).text).info.file_storage.state).toBe('ok');
    expect(metric((await get(app, '/metrics')).text, 'switchboard_file_storage_low')).toBe(0);
  });
});

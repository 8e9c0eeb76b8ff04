/**
 * File bench: upload and download MB/s through Switchboard's two-phase file transfer (the built
 * server, SDK upload()/download() over the TLV data channel, sha256 verified on both ends) next to
 * a bare Node loopback stream with sha256 (bench/servers/bare-file-server.ts) in the same run.
 *
 *   npm run bench:file          BENCH_FILE_MB=64 BENCH_REPEAT=3
 *
 * Upload: from a file on disk to the server's storage (the server fsyncs as it acknowledges and
 * hashes; the SDK hashes the file before sending: that pass is included). Download: from the
 * server's storage to the client, hashed, not written. Fresh random content every round (same
 * content would complete instantly: de-duplication). Medians of BENCH_REPEAT rounds.
 * A measurement tool, never a test assertion.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { SwitchboardClient } from '../src/client/switchboard-client';
import { cpuMs, machineLine, median, ROOT, spawnServer, stop, SWITCHBOARD_READY, switchboardEnv } from './bench-util';

const MB = Number(process.env.BENCH_FILE_MB ?? 64);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const BYTES = MB * 1024 * 1024;

interface Round {
  upload: number;
  download: number;
  uploadCpu: number;
  downloadCpu: number;
  /** CPU ms of this (client) process: the SDK's or the bare client's share of the work. */
  clientUploadCpu: number;
  clientDownloadCpu: number;
}

/** CPU ms this process has used (user + system). */
function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function mbps(bytes: number, ms: number): number {
  return bytes / 1024 / 1024 / (ms / 1000);
}

function writeRandomFile(dir: string, round: number): string {
  const file = path.join(dir, `source-${round}.bin`);
  const fd = fs.openSync(file, 'w');
  for (let left = BYTES; left > 0; left -= 4 * 1024 * 1024) fs.writeSync(fd, randomBytes(Math.min(left, 4 * 1024 * 1024)));
  fs.closeSync(fd);
  return file;
}

async function bareRound(port: number, pid: number | undefined, source: string): Promise<Round> {
  // Upload: stream the file, wait for the server's hash.
  let cpu = cpuMs(pid);
  let own = ownCpuMs();
  let started = Date.now();
  const expected = await new Promise<string>((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => {
      socket.setNoDelay(true);
      socket.write(`U ${BYTES}\n`);
      fs.createReadStream(source, { highWaterMark: 256 * 1024 }).pipe(socket, { end: false });
    });
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    socket.on('end', () => resolve(answer.trim()));
    socket.on('error', reject);
  });
  const upload = mbps(BYTES, Date.now() - started);
  const uploadCpu = cpuMs(pid) - cpu;
  const clientUploadCpu = ownCpuMs() - own;
  // Download: stream it back and hash.
  cpu = cpuMs(pid);
  own = ownCpuMs();
  started = Date.now();
  const got = await new Promise<string>((resolve, reject) => {
    const hash = createHash('sha256');
    const socket = net.connect({ port, host: '127.0.0.1' }, () => socket.write(`D ${source}\n`));
    socket.on('data', (c: Buffer) => hash.update(c));
    socket.on('end', () => resolve(hash.digest('hex')));
    socket.on('error', reject);
  });
  const download = mbps(BYTES, Date.now() - started);
  if (got !== expected) throw new Error('bare: hash mismatch');
  return { upload, download, uploadCpu, downloadCpu: cpuMs(pid) - cpu, clientUploadCpu, clientDownloadCpu: ownCpuMs() - own };
}

/** Seconds since the server process started (for cpuprofile-top.js --from/--to). */
function since(t0: number, t: number): string {
  return ((t - t0) / 1000).toFixed(2);
}

async function switchboardRound(alice: SwitchboardClient, bob: SwitchboardClient, bobId: string, pid: number | undefined, source: string, t0: number): Promise<Round> {
  let cpu = cpuMs(pid);
  let own = ownCpuMs();
  const uploadStarted = Date.now();
  let started = uploadStarted;
  const uploaded = await alice.upload(source, { type: 'user', id: bobId });
  const uploadEnded = Date.now();
  const upload = mbps(BYTES, uploadEnded - started);
  const uploadCpu = cpuMs(pid) - cpu;
  const clientUploadCpu = ownCpuMs() - own;
  if (uploaded.instant) throw new Error('switchboard: unexpected instant upload (content not fresh)');
  cpu = cpuMs(pid);
  own = ownCpuMs();
  started = Date.now();
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const downloaded = await bob.download(uploaded.fileId, sink);
  const download = mbps(BYTES, Date.now() - started);
  const clientDownloadCpu = ownCpuMs() - own;
  if (downloaded.hash !== uploaded.hash) throw new Error('switchboard: hash mismatch');
  // The measured windows, for BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" and cpuprofile-top.js.
  // Also in this (client) process's time, for `node --cpu-prof dist/bench/file-bench.js`.
  const here = (t: number) => since(performance.timeOrigin, t);
  const end = Date.now();
  console.error(
    `switchboard round: upload ${since(t0, uploadStarted)}..${since(t0, uploadEnded)} s, download ${since(t0, started)}..${since(t0, end)} s since server start` +
      ` (bench process: upload ${here(uploadStarted)}..${here(uploadEnded)}, download ${here(started)}..${here(end)})`,
  );
  return { upload, download, uploadCpu, downloadCpu: cpuMs(pid) - cpu, clientUploadCpu, clientDownloadCpu };
}

async function user(port: number, name: string): Promise<{ client: SwitchboardClient; id: string }> {
  const client = await SwitchboardClient.connect({ port, timeoutMs: 120_000 });
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const username = `${name}_${randomBytes(3).toString('hex')}`;
  const reg = await client.call('auth/register', { username, password });
  const login = await client.call('auth/login', { username, password, client_info: { device: 'bench' } });
  client.token = login.token as string;
  return { client, id: reg.user_id as string };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-file-bench-'));
  const bare = await spawnServer([path.join(ROOT, 'dist/bench/servers/bare-file-server.js')], {}, /bare file server listening: (\d+)/);
  const sbStarted = Date.now();
  const sb = await spawnServer(
    [path.join(ROOT, 'dist/src/main.js')],
    switchboardEnv({ FILE_PORT: '0', FILE_STORAGE_DIR: path.join(dir, 'files'), FILE_MAX_BYTES: String(BYTES * 2), FILE_QUOTA_BYTES: String(BYTES * (REPEAT + 2)) }),
    SWITCHBOARD_READY,
  );
  const rounds: Record<'bare' | 'switchboard', Round[]> = { bare: [], switchboard: [] };
  try {
    const alice = await user(sb.port, 'alice');
    const bob = await user(sb.port, 'bob');
    for (let i = 0; i < REPEAT; i++) {
      const source = writeRandomFile(dir, i);
      // Alternate the order so neither side always runs on a warmer page cache.
      if (i % 2 === 0) {
        rounds.bare.push(await bareRound(bare.port, bare.child.pid, source));
        rounds.switchboard.push(await switchboardRound(alice.client, bob.client, bob.id, sb.child.pid, source, sbStarted));
      } else {
        rounds.switchboard.push(await switchboardRound(alice.client, bob.client, bob.id, sb.child.pid, source, sbStarted));
        rounds.bare.push(await bareRound(bare.port, bare.child.pid, source));
      }
      fs.rmSync(source);
    }
    alice.client.destroy();
    bob.client.destroy();
  } finally {
    await stop(bare.child);
    await stop(sb.child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const m = (side: 'bare' | 'switchboard', k: keyof Round) => median(rounds[side].map((r) => r[k]));
  console.log(machineLine());
  console.log(`file bench: ${MB} MiB, ${REPEAT} rounds (medians), sha256 verified on both sides\n`);
  console.log('| target | upload MB/s | download MB/s | server CPU ms/MiB up | down | client CPU ms/MiB up | down | vs bare up | down |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const side of ['bare', 'switchboard'] as const) {
    const name = side === 'bare' ? 'bare net loopback + sha256' : 'Switchboard file channel (SDK)';
    console.log(
      `| ${name} | ${m(side, 'upload').toFixed(0)} | ${m(side, 'download').toFixed(0)} | ${(m(side, 'uploadCpu') / MB).toFixed(2)} | ${(m(side, 'downloadCpu') / MB).toFixed(2)} | ${(m(side, 'clientUploadCpu') / MB).toFixed(2)} | ${(m(side, 'clientDownloadCpu') / MB).toFixed(2)} | ${(m(side, 'upload') / m('bare', 'upload')).toFixed(2)}× | ${(m(side, 'download') / m('bare', 'download')).toFixed(2)}× |`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/** Shared steps of the file-transfer e2e specs (real TCP on both channels, real database and disk). */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { FileDataChannel } from '../../../src/modules/file/file-data-channel';
import { TlvType } from '../../../src/shared/protocol';
import type { TestApp } from '../../support/test-app';
import { TlvPeer } from '../../support/tlv-helpers';

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function randomContent(bytes: number): Buffer {
  return randomBytes(bytes);
}

export function tempDir(): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-file-test-'));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The file data channel the app serves (port, open connections). */
export function dataChannel(app: TestApp) {
  return app.app.get(FileDataChannel).channel;
}

export function uploadRequest(data: Buffer, target: { type: 'user' | 'group'; id: string }, extra: Record<string, unknown> = {}) {
  return { file_name: 'blob.bin', file_size: data.length, hash: `sha256:${sha256(data)}`, target, ...extra };
}

/** Opens the data connection of an accepted transfer with a raw TLV peer; resolves with the start offset. */
export async function openData(accept: Record<string, any>, client: SwitchboardClient, offset?: number): Promise<{ peer: TlvPeer; start: number }> {
  const peer = await TlvPeer.connect(accept.endpoint.port);
  peer.send(TlvType.OPEN, { transfer_id: accept.transfer_id, token: client.token, ...(offset === undefined ? {} : { offset }) });
  const ack = await peer.nextJson(TlvType.ACK);
  return { peer, start: ack.offset };
}

/** Sends `data[from..]` in chunks of `chunk` bytes as DATA frames. */
export function sendData(peer: TlvPeer, data: Buffer, from: number, chunk: number, to = data.length): void {
  for (let at = from; at < to; at += chunk) peer.send(TlvType.DATA, data.subarray(at, Math.min(to, at + chunk)));
}

/**
 * Sends `chunk`-sized DATA frames from `from` until the server acknowledged at least `until`,
 * reading one ACK after every `ackEvery` chunks (the server's FILE_ACK_EVERY); returns the bytes
 * sent and the last acknowledged offset.
 */
export async function sendUntilAcked(peer: TlvPeer, data: Buffer, from: number, until: number, chunk: number, ackEvery: number): Promise<{ sent: number; acked: number }> {
  let at = from;
  let acked = from;
  let seen = peer.frames.length;
  while (acked < until) {
    sendData(peer, data, at, chunk, Math.min(data.length, at + chunk));
    at += chunk;
    if (((at - from) / chunk) % ackEvery === 0) {
      acked = (await peer.nextJson(TlvType.ACK, seen)).offset;
      seen = peer.frames.length;
    }
  }
  return { sent: at - from, acked };
}

/**
 * Uploads `data` to `recipientId`, destroying every data connection of the server once
 * `dropAt` bytes are acknowledged; checks the SDK resumed by itself, from the last durable offset
 * (acknowledged progress never went back). The same case over TCP and over WebSocket.
 */
export async function uploadThroughOneDrop(app: TestApp, client: SwitchboardClient, recipientId: string, data: Buffer, dropAt: number): Promise<{ fileId: string; size: number }> {
  let dropped = 0;
  const progress: number[] = [];
  const uploaded = await client.upload(data, { type: 'user', id: recipientId }, {
    fileName: 'x.bin',
    onProgress: (p) => {
      progress.push(p.bytes);
      if (dropped === 0 && p.bytes >= dropAt) {
        dropped++;
        for (const conn of dataChannel(app).connections) conn.destroy();
      }
    },
  });
  expect(dropped).toBe(1);
  expect(uploaded.size).toBe(data.length);
  expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  return uploaded;
}

/**
 * SDK file transfers (docs/protocol.md "File transfer"): `upload()` and `download()` negotiate on
 * the control connection (file/request, waiting for file/accept when queued), move the bytes on
 * the TLV data channel, and resume automatically from the server's acknowledged offset when the
 * data connection breaks. Used through SwitchboardClient.upload/download.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { deriveTransferKey, FileCommands, openChunk, sealChunk, TlvType } from '../shared/protocol';
import { parsePayloadKeys, PayloadKey } from '../shared/protocol/crypto';
import { FileDataConnection } from './file-data-connection';
import type { ResponsePayload, SwitchboardClient } from './switchboard-client';
import { WebSocketTransport } from './transport/websocket-transport';

export interface TransferProgress {
  transferId: string;
  /** Bytes the server acknowledged (upload) or the client stored (download). */
  bytes: number;
  total: number;
}

export interface FileTransferOptions {
  onProgress?(progress: TransferProgress): void;
  /** Data-channel encryption; needs the pre-shared key (PAYLOAD_KEYS) in `keys` or the client's payloadKeys. */
  encryption?: 'none' | 'aes-gcm';
  keys?: string | PayloadKey[];
  /** Data connections tried before giving up (each resumes where the last stopped). Default 5. */
  maxAttempts?: number;
  /** Resume this transfer (e.g. one started before the client or the server restarted). */
  resumeTransferId?: string;
}

export interface UploadOptions extends FileTransferOptions {
  /** Name in the file-ref message; default the path's base name (required for streams/buffers). */
  fileName?: string;
  mime?: string;
}

export interface UploadResult {
  fileId: string;
  transferId: string;
  size: number;
  hash: string;
  /** The server already had the content: no byte was sent. */
  instant: boolean;
}

export interface DownloadResult {
  transferId: string;
  size: number;
  hash: string;
}

export type UploadSource = string | Buffer | Readable;
export interface FileTarget {
  type: 'user' | 'group';
  id: string;
}

/** A protocol error from either channel, with its status and code. */
export class FileTransferError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The server's `retry_after_ms` (TRANSFER_BUSY, SERVER_DRAINING): wait this long before resuming. */
    readonly retryAfterMs?: number,
  ) {
    super(`${status} ${code}: ${message}`);
    this.name = 'FileTransferError';
  }
}

/** Errors after which a new data connection (resume) may succeed. */
export function retryable(err: unknown): boolean {
  if (!(err instanceof FileTransferError)) return true; // socket closed, reset, timeout
  // The server ended the upload for lack of space: a new upload later (retryAfterMs) is the retry.
  if (err.code === 'STORAGE_FULL') return false;
  // TRANSFER_BUSY: another server node still holds the upload (its node may have died); retry_after_ms says when it is free.
  return err.status >= 500 || err.code === 'TRANSFER_SUPERSEDED' || err.code === 'TRANSFER_BUSY' || err.code === 'FRAME_TIMEOUT' || err.code === 'IDLE_TIMEOUT';
}

/** Before a resume: the server's retry_after_ms, if it gave one (bounded, so a bad value cannot stall the client for long). */
async function waitHint(err: unknown): Promise<void> {
  const ms = err instanceof FileTransferError ? err.retryAfterMs : undefined;
  if (ms !== undefined && ms > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 60_000)));
}

export function check(payload: ResponsePayload): ResponsePayload {
  if (payload.status >= 300) {
    const retryAfter = (payload as { retry_after_ms?: unknown }).retry_after_ms;
    throw new FileTransferError(payload.status, payload.error_code ?? 'ERROR', payload.error_message ?? 'request failed', typeof retryAfter === 'number' ? retryAfter : undefined);
  }
  return payload;
}

export interface Content {
  size: number;
  hash: string;
  read(start: number, chunkSize: number): AsyncIterable<Buffer>;
  cleanup(): Promise<void>;
}

const READ_BLOCK_BYTES = 1024 * 1024;

/** Yields exactly `size`-byte chunks (the last may be shorter), whatever the source's chunking. */
export async function* rechunk(source: AsyncIterable<Buffer>, size: number): AsyncIterable<Buffer> {
  let parts: Buffer[] = [];
  let held = 0;
  for await (const piece of source) {
    parts.push(piece);
    held += piece.length;
    while (held >= size) {
      const all = parts.length === 1 ? parts[0] : Buffer.concat(parts, held);
      yield all.subarray(0, size);
      parts = held > size ? [all.subarray(size)] : [];
      held -= size;
    }
  }
  if (held > 0) yield Buffer.concat(parts, held);
}

/** Writes all of `parts` at the file's current position (one writev; a short write is continued). */
async function writeAll(file: fs.FileHandle, parts: readonly Buffer[]): Promise<void> {
  const left = parts.filter((p) => p.length > 0);
  while (left.length > 0) {
    let { bytesWritten } = await file.writev(left);
    if (bytesWritten === 0) throw new Error('the disk accepted no bytes (writev returned 0)');
    while (left.length > 0 && bytesWritten >= left[0].length) bytesWritten -= left.shift()!.length;
    if (bytesWritten > 0) left[0] = left[0].subarray(bytesWritten);
  }
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function prepare(source: UploadSource): Promise<Content> {
  if (Buffer.isBuffer(source)) {
    return {
      size: source.length,
      hash: createHash('sha256').update(source).digest('hex'),
      read: async function* (start, chunkSize) {
        for (let at = start; at < source.length; at += chunkSize) yield source.subarray(at, Math.min(source.length, at + chunkSize));
      },
      cleanup: async () => undefined,
    };
  }
  let file = typeof source === 'string' ? source : undefined;
  let spooled = false;
  if (!file) {
    // A stream is spooled to a temporary file: its size and hash are needed up front, and a
    // resume re-reads from an offset.
    file = path.join(os.tmpdir(), `switchboard-upload-${randomBytes(8).toString('hex')}`);
    spooled = true;
    await pipeline(source as Readable, createWriteStream(file));
  }
  const { size } = await fs.stat(file);
  const hash = await hashFile(file);
  const name = file;
  return {
    size,
    hash,
    // Read in blocks of about 1 MiB (whole chunks; rechunk() cuts them without copying): a
    // quarter of the reads, each prefetched while the previous block is being sent.
    read: (start, chunkSize) =>
      size === start
        ? (async function* () {})()
        : (createReadStream(name, { start, highWaterMark: Math.max(1, Math.floor(READ_BLOCK_BYTES / chunkSize)) * chunkSize }) as AsyncIterable<Buffer>),
    cleanup: async () => {
      if (spooled) await fs.rm(name, { force: true });
    },
  };
}

function keyring(client: SwitchboardClient, options: FileTransferOptions): PayloadKey[] {
  if (typeof options.keys === 'string') return parsePayloadKeys(options.keys);
  return options.keys ?? [...client.payloadKeyring];
}

function transferKey(client: SwitchboardClient, options: FileTransferOptions, accept: ResponsePayload): Buffer | undefined {
  if (accept.encryption !== 'aes-gcm') return undefined;
  const psk = keyring(client, options).find((k) => k.kid === accept.key_id);
  if (!psk) throw new FileTransferError(400, 'KEY_UNKNOWN', `the server encrypts with key "${accept.key_id}", which this client was not given (options.keys)`);
  return deriveTransferKey(psk.key, accept.transfer_id);
}

/** file/request; a 202 (queued) waits for the file/accept event of that transfer. */
async function negotiate(client: SwitchboardClient, payload: Record<string, unknown>): Promise<ResponsePayload> {
  const response = check((await client.request(FileCommands.REQUEST.name, payload)).payload);
  if (response.status !== 202) return response;
  const id = response.transfer_id as string;
  const accepted = await client.waitFor((f) => f.command === FileCommands.ACCEPT.name && f.payload?.transfer_id === id, { timeoutMs: 24 * 3600 * 1000 });
  return accepted.payload as ResponsePayload;
}

function connectData(client: SwitchboardClient, accept: ResponsePayload, timeoutMs?: number): Promise<FileDataConnection> {
  // Over WebSocket the data channel is on the same WebSocket port, path /file (FILE_PORT may be unreachable).
  const ws = client.transport instanceof WebSocketTransport ? client.transport : undefined;
  if (ws) return FileDataConnection.connectWebSocket({ url: new URL('/file', ws.url).href, tls: client.tlsOptions, timeoutMs });
  const { host, port, protocol } = accept.endpoint as { host: string; port: number; protocol: 'tcp' | 'tls' };
  return FileDataConnection.connect({ host, port, tls: protocol === 'tls' ? (client.tlsOptions ?? {}) : undefined, timeoutMs });
}

export async function uploadFile(client: SwitchboardClient, source: UploadSource, target: FileTarget, options: UploadOptions = {}): Promise<UploadResult> {
  const fileName = options.fileName ?? (typeof source === 'string' ? path.basename(source) : undefined);
  if (!fileName) throw new Error('upload(): options.fileName is required for a buffer or stream');
  const content = await prepare(source);
  try {
    const base: Record<string, unknown> = { file_name: fileName, file_size: content.size, hash: `sha256:${content.hash}`, target };
    if (options.mime) base.mime = options.mime;
    if (options.encryption) base.encryption = options.encryption;
    let accept = await negotiate(client, options.resumeTransferId ? { ...base, resume: { transfer_id: options.resumeTransferId, offset: 0 } } : base);
    const result = (fileId: string, instant: boolean): UploadResult => ({ fileId, transferId: accept.transfer_id, size: content.size, hash: content.hash, instant });
    if (accept.file_id && accept.resume_offset === content.size) return result(accept.file_id, true);
    const key = transferKey(client, options, accept);
    const attempts = options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        return result(await sendOnce(client, accept, content, key, options), false);
      } catch (err) {
        if (attempt >= attempts || !retryable(err)) throw err;
        await waitHint(err);
        // Resume: the server answers what it holds durably.
        accept = await negotiate(client, { ...base, resume: { transfer_id: accept.transfer_id, offset: 0 } });
      }
    }
  } finally {
    await content.cleanup();
  }
}

async function sendOnce(client: SwitchboardClient, accept: ResponsePayload, content: Content, key: Buffer | undefined, options: UploadOptions): Promise<string> {
  const transferId = accept.transfer_id as string;
  const chunkSize = accept.chunk_size as number;
  const data = await connectData(client, accept);
  try {
    await data.send(TlvType.OPEN, JSON.stringify({ transfer_id: transferId, token: client.token }));
    const start = (await data.nextAck()).offset;
    let finished: string | undefined;
    // ACKs arrive while we send: report progress, remember the final one.
    const acks = (async () => {
      for (;;) {
        const ack = await data.nextAck();
        options.onProgress?.({ transferId, bytes: ack.offset, total: content.size });
        if (ack.file_id) return (finished = ack.file_id as string);
      }
    })();
    acks.catch(() => undefined);
    let index = Math.floor(start / chunkSize);
    for await (const chunk of rechunk(content.read(start, chunkSize), chunkSize)) {
      data.throwIfFailed();
      await data.send(TlvType.DATA, key ? sealChunk(key, transferId, index, chunk) : chunk);
      index++;
    }
    return finished ?? (await acks);
  } finally {
    data.destroy();
  }
}

export async function downloadFile(client: SwitchboardClient, fileId: string, dest: string | Writable, options: FileTransferOptions = {}): Promise<DownloadResult> {
  const request: Record<string, unknown> = { direction: 'download', file_id: fileId };
  if (options.encryption) request.encryption = options.encryption;
  const first = await negotiate(client, request);
  // A resume asks the server again: it answers from where this client holds the bytes.
  const reopen = (accept: ResponsePayload, held: number) => negotiate(client, { ...request, resume: { transfer_id: accept.transfer_id, offset: held } });
  return receiveFile(client, first, reopen, dest, { ...options, key: transferKey(client, options, first) });
}

/**
 * Receives a transfer into `dest` (a path: through <dest>.part, renamed once the sha256 matched),
 * reconnecting through `reopen` after a retryable break. Shared by server downloads and direct
 * (mode "active") transfers, whose data connection is the sender's listener and whose OPEN
 * carries the transfer's one-time token instead of the session token.
 */
export async function receiveFile(
  client: SwitchboardClient,
  first: ResponsePayload,
  reopen: (accept: ResponsePayload, held: number) => Promise<ResponsePayload>,
  dest: string | Writable,
  options: FileTransferOptions & { key?: Buffer; token?: string; connectTimeoutMs?: number },
): Promise<DownloadResult> {
  const toFile = typeof dest === 'string';
  const partial = toFile ? `${dest}.part` : undefined;
  // A path download keeps its bytes in <dest>.part until verified; a stream receives them as they come.
  const sink = toFile ? await fs.open(partial!, 'w') : undefined;
  const hash = createHash('sha256');
  let held = 0;
  try {
    let accept = first;
    const key = options.key;
    const attempts = options.maxAttempts ?? 5;
    // A chunk comes as the pieces the socket read it in: written and hashed piece by piece
    // rather than joined first (a copy of every downloaded byte).
    const write = async (parts: readonly Buffer[]) => {
      if (sink) await writeAll(sink, parts);
      else {
        let ok = true;
        for (const part of parts) ok = (dest as Writable).write(part);
        if (!ok) await new Promise((resolve) => (dest as Writable).once('drain', resolve));
      }
      for (const part of parts) {
        hash.update(part);
        held += part.length;
      }
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await receiveOnce(client, accept, held, key, write, options);
        break;
      } catch (err) {
        if (attempt >= attempts || !retryable(err)) throw err;
        await waitHint(err);
        accept = await reopen(accept, held);
      }
    }
    const digest = hash.digest('hex');
    if (accept.hash && accept.hash !== `sha256:${digest}`) throw new FileTransferError(400, 'HASH_MISMATCH', `downloaded bytes hash to sha256:${digest}, expected ${accept.hash}`);
    if (sink) {
      await sink.sync();
      await sink.close();
      await fs.rename(partial!, dest as string);
    }
    return { transferId: accept.transfer_id, size: held, hash: digest };
  } catch (err) {
    if (sink) {
      await sink.close().catch(() => undefined);
      await fs.rm(partial!, { force: true });
    }
    throw err;
  }
}

async function receiveOnce(
  client: SwitchboardClient,
  accept: ResponsePayload,
  start: number,
  key: Buffer | undefined,
  write: (parts: readonly Buffer[]) => Promise<void>,
  options: FileTransferOptions & { token?: string; connectTimeoutMs?: number },
): Promise<void> {
  const transferId = accept.transfer_id as string;
  const total = accept.file_size as number;
  const chunkSize = accept.chunk_size as number;
  const data = await connectData(client, accept, options.connectTimeoutMs);
  try {
    await data.send(TlvType.OPEN, JSON.stringify({ transfer_id: transferId, token: options.token ?? client.token, offset: start }));
    let offset = (await data.nextAck()).offset;
    let index = Math.floor(offset / chunkSize);
    let lastAck = offset;
    // A quarter of the server's window (FILE_WINDOW_BYTES) keeps data flowing with a few ACKs per
    // window instead of one per chunk (each costs both ends a write and a parse). A server that
    // does not say its window gets one per chunk, which never stalls it.
    const window = typeof accept.window_bytes === 'number' ? accept.window_bytes : 0;
    const ackEvery = Math.max(chunkSize, Math.floor(window / 4));
    while (offset < total) {
      const frame = await data.nextData();
      let parts = frame.parts;
      let length = frame.length;
      if (key) {
        const opened = openChunk(key, transferId, index, frame.payload);
        if (!opened) throw new FileTransferError(400, 'DECRYPTION_FAILED', `chunk ${index} failed authentication`);
        parts = [opened];
        length = opened.length;
      }
      index++;
      await write(parts);
      offset += length;
      options.onProgress?.({ transferId, bytes: offset, total });
      if (offset - lastAck >= ackEvery && offset < total) {
        await data.send(TlvType.ACK, JSON.stringify({ transfer_id: transferId, offset, status: 200 }));
        lastAck = offset;
      }
    }
    // The end is acknowledged on this connection whatever happened before, also when it opened at
    // file_size (a resume after every byte arrived on a connection that then broke before its
    // last ACK went out): the server finishes the download only on that ACK.
    await data.send(TlvType.ACK, JSON.stringify({ transfer_id: transferId, offset: total, status: 200 }));
    // The server confirms the end (and frees the slot) with a last ACK.
    await data.nextAck();
  } finally {
    data.destroy();
  }
}

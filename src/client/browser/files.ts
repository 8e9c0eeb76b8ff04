/**
 * Files for browser applications: upload a Blob, download into memory, over the file channel on
 * the WebSocket port (`<ws origin>/file`, binary messages carrying the TLV frames of
 * docs/protocol.md "File channel"), with the SDK's resume (a dropped data connection is reopened
 * where the server's acknowledged offset says) and the sha256 check, computed with WebCrypto.
 * No Node API: it is part of the browser bundle. Whole files are held in memory (fine for the
 * attachments a chat client handles); end-to-end file encryption is not available here.
 */
import type { ResponsePayload, SwitchboardClient } from '../switchboard-client';
import { WebSocketTransport } from '../transport/websocket-transport';

const DATA = 0x01;
const ACK = 0x02;
const OPEN = 0x03;
const CANCEL = 0x04;
const ERROR = 0x05;
/** Above this many bytes queued in the WebSocket, wait before sending the next chunk. */
const SEND_BUFFER_BYTES = 1024 * 1024;

export interface BrowserTransferProgress {
  bytes: number;
  total: number;
}

export interface BrowserTransferOptions {
  onProgress?(progress: BrowserTransferProgress): void;
  /** Attempts before giving up (a dropped data connection is resumed), default 5. */
  maxAttempts?: number;
}

export class BrowserFileError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${status} ${code}: ${message}`);
    this.name = 'BrowserFileError';
  }
}

const text = new TextDecoder();
const utf8 = new TextEncoder();

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** sha256 of the bytes, hex (WebCrypto). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', bytes as unknown as ArrayBuffer));
}

function frame(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  out[0] = type;
  new DataView(out.buffer).setUint32(1, payload.length, true);
  out.set(payload, 5);
  return out;
}

/** One data connection: TLV frames in order, ERROR/CANCEL and a close turned into errors. */
class DataSocket {
  private buffer = new Uint8Array(0);
  private readonly frames: { type: number; payload: Uint8Array }[] = [];
  private waiters: (() => void)[] = [];
  private failure?: Error;

  private constructor(private readonly ws: WebSocket) {
    ws.addEventListener('message', (event: MessageEvent) => {
      const chunk = new Uint8Array(event.data as ArrayBuffer);
      const joined = new Uint8Array(this.buffer.length + chunk.length);
      joined.set(this.buffer);
      joined.set(chunk, this.buffer.length);
      let at = 0;
      while (joined.length - at >= 5) {
        const length = new DataView(joined.buffer, joined.byteOffset + at + 1, 4).getUint32(0, true);
        if (joined.length - at - 5 < length) break;
        const f = { type: joined[at], payload: joined.slice(at + 5, at + 5 + length) };
        if (f.type === ERROR || f.type === CANCEL) {
          const body = JSON.parse(text.decode(f.payload)) as { status?: number; error_code?: string; error_message?: string; reason?: string };
          this.failure ??= new BrowserFileError(body.status ?? 499, body.error_code ?? 'CANCELLED', body.error_message ?? body.reason ?? 'transfer ended by the server');
        }
        this.frames.push(f);
        at += 5 + length;
      }
      this.buffer = joined.slice(at);
      this.wake();
    });
    ws.addEventListener('close', () => {
      this.failure ??= new Error('data connection closed');
      this.wake();
    });
  }

  static open(url: string): Promise<DataSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.binaryType = 'arraybuffer';
      ws.addEventListener('open', () => resolve(new DataSocket(ws)), { once: true });
      ws.addEventListener('error', () => reject(new Error(`could not open ${url}`)), { once: true });
    });
  }

  async send(type: number, payload: Uint8Array | string): Promise<void> {
    if (this.failure) throw this.failure;
    this.ws.send(frame(type, typeof payload === 'string' ? utf8.encode(payload) : payload));
    while (this.ws.bufferedAmount > SEND_BUFFER_BYTES && !this.failure) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /** The next frame of `type` (frames of other types before it are skipped). */
  async next(type: number): Promise<Uint8Array> {
    for (;;) {
      const index = this.frames.findIndex((f) => f.type === type);
      if (index >= 0) return this.frames.splice(0, index + 1)[index].payload;
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async nextAck(): Promise<{ offset: number; file_id?: string }> {
    return JSON.parse(text.decode(await this.next(ACK))) as { offset: number; file_id?: string };
  }

  close(): void {
    this.ws.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

function dataUrl(client: SwitchboardClient): string {
  if (!(client.transport instanceof WebSocketTransport)) throw new Error('browser file transfers need a client connected over WebSocket');
  return new URL('/file', client.transport.url).href;
}

function check(payload: ResponsePayload): ResponsePayload {
  if (payload.status >= 300) throw new BrowserFileError(payload.status, payload.error_code ?? 'ERROR', payload.error_message ?? 'request failed');
  return payload;
}

/** file/request, then (202) the file/accept event that follows. */
async function negotiate(client: SwitchboardClient, payload: Record<string, unknown>): Promise<ResponsePayload> {
  const response = check((await client.request('file/request', payload)).payload);
  if (response.status !== 202) return response;
  const id = response.transfer_id as string;
  const accepted = await client.waitFor((f) => f.command === 'file/accept' && f.payload?.transfer_id === id, { timeoutMs: 24 * 3600 * 1000 });
  return check(accepted.payload as ResponsePayload);
}

function retryable(err: unknown): boolean {
  return !(err instanceof BrowserFileError) || err.status >= 500 || err.code === 'TRANSFER_SUPERSEDED' || err.code === 'TRANSFER_BUSY';
}

/** Uploads a Blob (a File from an <input type="file">) to a user or group; resumes by itself. */
export async function uploadBlob(client: SwitchboardClient, blob: Blob, target: { type: 'user' | 'group'; id: string }, options: BrowserTransferOptions & { fileName?: string } = {}): Promise<{ fileId: string; size: number; hash: string }> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const hash = await sha256Hex(bytes);
  const fileName = options.fileName ?? (blob as Blob & { name?: string }).name ?? 'file';
  const base: Record<string, unknown> = { file_name: fileName, file_size: bytes.length, hash: `sha256:${hash}`, target };
  if (blob.type) base.mime = blob.type;
  let accept = await negotiate(client, base);
  if (accept.file_id && accept.resume_offset === bytes.length) return { fileId: accept.file_id as string, size: bytes.length, hash };
  for (let attempt = 1; ; attempt++) {
    try {
      const fileId = await sendOnce(client, accept, bytes, options);
      return { fileId, size: bytes.length, hash };
    } catch (err) {
      if (attempt >= (options.maxAttempts ?? 5) || !retryable(err)) throw err;
      accept = await negotiate(client, { ...base, resume: { transfer_id: accept.transfer_id, offset: 0 } });
    }
  }
}

async function sendOnce(client: SwitchboardClient, accept: ResponsePayload, bytes: Uint8Array, options: BrowserTransferOptions): Promise<string> {
  const transferId = accept.transfer_id as string;
  const chunkSize = accept.chunk_size as number;
  const data = await DataSocket.open(dataUrl(client));
  try {
    await data.send(OPEN, JSON.stringify({ transfer_id: transferId, token: client.token }));
    const start = (await data.nextAck()).offset;
    const acks = (async () => {
      for (;;) {
        const ack = await data.nextAck();
        options.onProgress?.({ bytes: ack.offset, total: bytes.length });
        if (ack.file_id) return ack.file_id;
      }
    })();
    acks.catch(() => undefined);
    for (let at = start; at < bytes.length; at += chunkSize) await data.send(DATA, bytes.subarray(at, Math.min(at + chunkSize, bytes.length)));
    return await acks;
  } finally {
    data.close();
  }
}

/** Downloads a file into memory; resumes by itself and checks the sha256 the server announced. */
export async function downloadBytes(client: SwitchboardClient, fileId: string, options: BrowserTransferOptions = {}): Promise<{ bytes: Uint8Array; name?: string; mime?: string }> {
  const request = { direction: 'download', file_id: fileId };
  let accept = await negotiate(client, request);
  const parts: Uint8Array[] = [];
  const heldBytes = () => parts.reduce((sum, p) => sum + p.length, 0);
  for (let attempt = 1; ; attempt++) {
    try {
      await receiveOnce(client, accept, parts, options);
      break;
    } catch (err) {
      if (attempt >= (options.maxAttempts ?? 5) || !retryable(err)) throw err;
      // Bytes received before the break are kept: the resume asks from there.
      accept = await negotiate(client, { ...request, resume: { transfer_id: accept.transfer_id, offset: heldBytes() } });
    }
  }
  const held = heldBytes();
  const bytes = new Uint8Array(held);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  const digest = await sha256Hex(bytes);
  if (accept.hash && accept.hash !== `sha256:${digest}`) throw new BrowserFileError(400, 'HASH_MISMATCH', `downloaded bytes hash to sha256:${digest}, expected ${accept.hash}`);
  return { bytes, name: accept.file_name as string | undefined, mime: accept.mime as string | undefined };
}

/** Keeps the first `length` bytes of `parts`. */
function truncate(parts: Uint8Array[], length: number): void {
  let kept = 0;
  for (let i = 0; i < parts.length; i++) {
    if (kept + parts[i].length > length) {
      parts[i] = parts[i].subarray(0, length - kept);
      parts.length = i + 1;
    }
    kept += parts[i].length;
  }
}

async function receiveOnce(client: SwitchboardClient, accept: ResponsePayload, parts: Uint8Array[], options: BrowserTransferOptions): Promise<void> {
  const start = parts.reduce((sum, p) => sum + p.length, 0);
  const transferId = accept.transfer_id as string;
  const total = accept.file_size as number;
  const chunkSize = accept.chunk_size as number;
  const window = typeof accept.window_bytes === 'number' ? accept.window_bytes : 0;
  const ackEvery = Math.max(chunkSize, Math.floor(window / 4));
  const data = await DataSocket.open(dataUrl(client));
  try {
    await data.send(OPEN, JSON.stringify({ transfer_id: transferId, token: client.token, offset: start }));
    let offset = (await data.nextAck()).offset;
    // The server starts where it says (never past what we hold).
    if (offset < start) truncate(parts, offset);
    let lastAck = offset;
    while (offset < total) {
      const chunk = await data.next(DATA);
      parts.push(chunk);
      offset += chunk.length;
      options.onProgress?.({ bytes: offset, total });
      if (offset - lastAck >= ackEvery && offset < total) {
        await data.send(ACK, JSON.stringify({ transfer_id: transferId, offset, status: 200 }));
        lastAck = offset;
      }
    }
    await data.send(ACK, JSON.stringify({ transfer_id: transferId, offset: total, status: 200 }));
    await data.nextAck();
  } finally {
    data.close();
  }
}

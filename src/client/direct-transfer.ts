/**
 * SDK direct (mode "active") transfers, docs/protocol.md "Direct (active) transfers": the sender
 * listens, the server brokers a one-time token, the recipient connects and the bytes go from
 * client to client with the data channel's TLV frames (OPEN, ACK, DATA; resume by offset; sha256
 * checked by the receiver). Both sides fall back to the passive (server-relayed) transfer when the
 * direct connection is not made in time. Used through SwitchboardClient.sendDirect/receiveDirect.
 */
import { timingSafeEqual } from 'node:crypto';
import * as net from 'node:net';
import * as path from 'node:path';
import { encodeTlvHeader, FileCommands, TlvDecoder, TlvType } from '../shared/protocol';
import type { Envelope } from '../shared/protocol';
import { check, Content, DownloadResult, FileTransferError, FileTransferOptions, prepare, rechunk, receiveFile, uploadFile, UploadOptions } from './file-transfer';
import type { ResponsePayload, SwitchboardClient } from './switchboard-client';

export interface DirectSendOptions extends Omit<UploadOptions, 'encryption' | 'keys' | 'resumeTransferId'> {
  /** Address the listener binds to; default the local address of the control connection (never all interfaces unless asked: "0.0.0.0"). */
  listenHost?: string;
  /** Port the listener binds to; default a free one. */
  listenPort?: number;
  /** Where the peer is told to connect, when it differs from the listener (port mapping, NAT); default the listener's address. */
  advertise?: { host?: string; port?: number };
  /** Fall back to passive when no peer held the direct connection for this long; default the server's fallback_after_ms. */
  timeoutMs?: number;
}

export interface DirectSendResult {
  /** active: sent directly (the server holds no copy); passive: fell back to an upload (file-ref message sent). */
  mode: 'active' | 'passive';
  transferId: string;
  size: number;
  hash: string;
  /** passive fallback: the uploaded file. */
  fileId?: string;
  /** Why it fell back, if it did. */
  fallbackReason?: string;
}

export interface DirectReceiveOptions extends Omit<FileTransferOptions, 'encryption' | 'keys' | 'resumeTransferId'> {
  /** How long one connection attempt to the sender may take; default the offer's fallback_after_ms. */
  connectTimeoutMs?: number;
  /** After a fallback, how long to wait for the sender's file-ref message; default 10 minutes. */
  fallbackWaitMs?: number;
}

export interface DirectReceiveResult extends DownloadResult {
  mode: 'active' | 'passive';
  fileId?: string;
  fallbackReason?: string;
}

const OPEN_TIMEOUT_MS = 10_000;

/** The sending side's listener: one peer at a time, the token checked before any byte is sent. */
class DirectListener {
  private readonly server = net.createServer((socket) => this.onPeer(socket));
  private peer?: net.Socket;
  private readonly early: net.Socket[] = [];
  private idleTimer?: NodeJS.Timeout;
  private settle!: { resolve: () => void; reject: (err: Error) => void };
  /** Resolves when the receiver acknowledged the last byte; rejects on fallback/cancel. */
  readonly done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
  private finished = false;

  constructor(
    private readonly content: Content,
    private readonly options: { transferId?: string; token?: Buffer; chunkSize: number; windowBytes: number; timeoutMs: number; onProgress?: DirectSendOptions['onProgress'] },
  ) {
    this.done.catch(() => undefined);
  }

  listen(host: string, port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve((this.server.address() as net.AddressInfo).port));
    });
  }

  /** Called once the server gave the transfer its id, token and pacing; starts the fallback clock. */
  arm(transferId: string, token: string, timeoutMs: number, chunkSize: number, windowBytes: number): void {
    Object.assign(this.options, { transferId, token: Buffer.from(token, 'utf8'), timeoutMs, chunkSize, windowBytes });
    // Peers that connected before our own answer arrived (the recipient's file/accept can outrun it).
    for (const socket of this.early.splice(0)) if (!socket.destroyed) this.onPeer(socket);
    this.restartIdle();
  }

  fail(err: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.settle.reject(err);
    this.close();
  }

  close(): void {
    clearTimeout(this.idleTimer);
    for (const socket of this.early.splice(0)) socket.destroy();
    this.peer?.destroy();
    this.server.close();
  }

  /** No peer holding the direct connection for timeoutMs: give up (the caller falls back). */
  private restartIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.peer || this.finished) return;
    this.idleTimer = setTimeout(() => this.fail(new FileTransferError(408, 'DIRECT_TIMEOUT', `no peer connected within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
  }

  private onPeer(socket: net.Socket): void {
    // Not read before the server gave us the transfer's token (a socket without a data listener buffers).
    if (!this.options.token && !this.finished && this.early.length < 4) {
      socket.on('error', () => undefined);
      this.early.push(socket);
      return;
    }
    // One peer at a time.
    if (this.peer || this.finished || !this.options.token) return void socket.destroy();
    this.peer = socket;
    clearTimeout(this.idleTimer);
    socket.setNoDelay(true);
    const refuse = (status: number, code: string, message: string) => {
      writeFrame(socket, TlvType.ERROR, JSON.stringify({ status, error_code: code, error_message: message }));
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    };
    const openTimer = setTimeout(() => refuse(408, 'FRAME_TIMEOUT', 'no OPEN frame in time'), OPEN_TIMEOUT_MS);
    let acked = -1;
    let wake: (() => void) | undefined;
    let closed = false;
    socket.on('drain', () => wake?.());
    const decoder = new TlvDecoder({ maxPayloadBytes: 64 * 1024 });
    socket.on('data', (chunk: Buffer) =>
      decoder.push(chunk, (d) => {
        if (d.kind === 'oversize') return refuse(400, 'FRAME_TOO_LARGE', `frame of ${d.length} bytes`);
        const frame = d.frame;
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(frame.payload.toString('utf8')) as Record<string, unknown>;
        } catch {
          return refuse(400, 'INVALID_FRAME', 'frames to a sender carry JSON');
        }
        if (acked < 0) {
          clearTimeout(openTimer);
          // The token is checked before any byte of the file leaves this process.
          const given = Buffer.from(typeof body.token === 'string' ? body.token : '', 'utf8');
          const token = this.options.token!;
          const ok = frame.type === TlvType.OPEN && body.transfer_id === this.options.transferId && given.length === token.length && timingSafeEqual(given, token);
          if (!ok) return refuse(403, 'FORBIDDEN', 'wrong transfer id or token');
          const offset = typeof body.offset === 'number' && Number.isInteger(body.offset) ? Math.max(0, Math.min(body.offset, this.content.size)) : 0;
          acked = offset;
          void this.stream(socket, offset, () => acked, (w) => (wake = w), () => closed).catch(() => socket.destroy());
          return;
        }
        if (frame.type !== TlvType.ACK || typeof body.offset !== 'number') return refuse(400, 'INVALID_FRAME', 'expected an ACK frame');
        acked = Math.max(acked, body.offset);
        this.options.onProgress?.({ transferId: this.options.transferId!, bytes: acked, total: this.content.size });
        if (acked >= this.content.size && !this.finished) {
          // The receiver has every byte: confirm, and close the listener (it serves one transfer).
          writeFrame(socket, TlvType.ACK, JSON.stringify({ transfer_id: this.options.transferId, offset: this.content.size, status: 200 }));
          this.finished = true;
          socket.end();
          clearTimeout(this.idleTimer);
          this.server.close();
          this.settle.resolve();
        }
        wake?.();
      }),
    );
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      clearTimeout(openTimer);
      wake?.();
      if (this.peer === socket) this.peer = undefined;
      // A cut link: the peer may come back and resume from what it holds, until the clock runs out.
      this.restartIdle();
    });
  }

  /** DATA frames from `offset`, at most windowBytes ahead of the peer's ACKs. */
  private async stream(socket: net.Socket, offset: number, acked: () => number, onWake: (w: () => void) => void, closed: () => boolean): Promise<void> {
    writeFrame(socket, TlvType.ACK, JSON.stringify({ transfer_id: this.options.transferId, offset, status: 200 }));
    let sent = offset;
    for await (const chunk of rechunk(this.content.read(offset, this.options.chunkSize), this.options.chunkSize)) {
      while (!closed() && (sent - acked() >= this.options.windowBytes || socket.writableNeedDrain)) {
        await new Promise<void>((resolve) => onWake(resolve));
      }
      if (closed()) return;
      writeFrame(socket, TlvType.DATA, chunk);
      sent += chunk.length;
    }
  }
}

function writeFrame(socket: net.Socket, type: number, payload: Buffer | string): void {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  socket.cork();
  socket.write(encodeTlvHeader(type, body.length));
  socket.write(body);
  socket.uncork();
}

/**
 * Sends a file (path or buffer) directly to one user: listens, offers it with file/request mode
 * "active", streams it to the recipient's client, and reports completion with file/ack. Falls
 * back to a passive upload (a file-ref message to the recipient) when the server refuses active
 * mode, the recipient gives up (file/cancel), or no peer connects within the timeout.
 */
export async function sendDirect(client: SwitchboardClient, source: string | Buffer, recipientId: string, options: DirectSendOptions = {}): Promise<DirectSendResult> {
  const content = await prepare(source);
  const fileName = options.fileName ?? (typeof source === 'string' ? path.basename(source) : undefined);
  if (!fileName) throw new Error('sendDirect(): options.fileName is required for a buffer');
  const host = options.listenHost ?? (client.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const listener = new DirectListener(content, { chunkSize: 256 * 1024, windowBytes: 8 * 1024 * 1024, timeoutMs: options.timeoutMs ?? 10_000, onProgress: options.onProgress });
  let transferId: string | undefined;
  let onEvent: ((frame: Envelope) => void) | undefined;
  const fallback = async (reason: string): Promise<DirectSendResult> => {
    listener.close();
    if (transferId) await client.request(FileCommands.CANCEL.name, { transfer_id: transferId, reason: `direct connection not made (${reason}); sending through the server` }).catch(() => undefined);
    const uploaded = await uploadFile(client, source, { type: 'user', id: recipientId }, { fileName, mime: options.mime, onProgress: options.onProgress, maxAttempts: options.maxAttempts });
    return { mode: 'passive', transferId: uploaded.transferId, size: uploaded.size, hash: uploaded.hash, fileId: uploaded.fileId, fallbackReason: reason };
  };
  try {
    const port = await listener.listen(host, options.listenPort);
    const endpoint = { host: options.advertise?.host ?? host, port: options.advertise?.port ?? port, protocol: 'tcp' };
    const payload: Record<string, unknown> = { mode: 'active', endpoint, file_name: fileName, file_size: content.size, hash: `sha256:${content.hash}`, target: { type: 'user', id: recipientId } };
    if (options.mime) payload.mime = options.mime;
    const answer = (await client.request(FileCommands.REQUEST.name, payload)).payload;
    if (answer.status >= 300 && answer.error_code === 'MODE_NOT_SUPPORTED') return await fallback(answer.error_message ?? 'active mode not offered');
    const accept = check(answer) as ResponsePayload;
    transferId = accept.transfer_id as string;
    // The recipient may give up (its file/cancel reaches us as an event): fall back at once.
    const cancelled = (frame: Envelope) => frame.command === FileCommands.CANCEL.name && (frame.payload as Record<string, unknown>).transfer_id === transferId;
    onEvent = (frame: Envelope) => {
      if (cancelled(frame)) listener.fail(new FileTransferError(409, 'DIRECT_CANCELLED', String((frame.payload as Record<string, unknown>).reason ?? 'cancelled by the recipient')));
    };
    client.on('event', onEvent);
    listener.arm(transferId, accept.token as string, options.timeoutMs ?? (accept.fallback_after_ms as number) ?? 10_000, accept.chunk_size as number, (accept.window_bytes as number) ?? 8 * 1024 * 1024);
    // A cancel that came before we listened for it.
    const early = client.events.find(cancelled);
    if (early) onEvent(early);
    try {
      await listener.done;
    } catch (err) {
      return await fallback((err as Error).message);
    }
    check((await client.request(FileCommands.ACK.name, { transfer_id: transferId, state: 'complete' })).payload);
    return { mode: 'active', transferId, size: content.size, hash: content.hash };
  } finally {
    if (onEvent) client.off('event', onEvent);
    listener.close();
    await content.cleanup();
  }
}

/**
 * Receives a direct transfer offered to this client (the file/accept event with mode "active")
 * into `dest` (through <dest>.part, renamed once its sha256 matched), resuming on a new
 * connection when the link breaks, and reports completion with file/ack. When the sender cannot
 * be reached: file/cancel (the sender then uploads through the server) and the file-ref message
 * that follows is downloaded instead.
 */
export async function receiveDirect(client: SwitchboardClient, offer: Record<string, unknown>, dest: string, options: DirectReceiveOptions = {}): Promise<DirectReceiveResult> {
  const transferId = offer.transfer_id as string;
  if (offer.mode !== 'active' || typeof offer.token !== 'string') throw new Error('receiveDirect(): pass the file/accept event payload of a direct (mode "active") transfer');
  const connectTimeoutMs = options.connectTimeoutMs ?? (offer.fallback_after_ms as number) ?? 10_000;
  try {
    // A resume reconnects to the same listener and OPENs at the offset held (receiveFile).
    const result = await receiveFile(client, offer as ResponsePayload, async (accept) => accept, dest, { ...options, token: offer.token, connectTimeoutMs, maxAttempts: options.maxAttempts ?? 5 });
    check((await client.request(FileCommands.ACK.name, { transfer_id: transferId, state: 'complete' })).payload);
    return { ...result, mode: 'active' };
  } catch (err) {
    // Never reached, or lost for good: the sender is told (file/cancel) and sends it through the server.
    const reason = (err as Error).message;
    await client.request(FileCommands.CANCEL.name, { transfer_id: transferId, reason: `direct connection failed (${reason}); send it through the server` }).catch(() => undefined);
    const hash = offer.hash as string;
    const ref = await client.waitFor(
      (f) => {
        const message = (f.payload as { message?: { sender_id?: string; content?: { type?: string; hash?: string } } } | undefined)?.message;
        return f.command === 'message/event' && message?.sender_id === offer.from && message?.content?.type === 'file-ref' && message.content.hash === hash;
      },
      { timeoutMs: options.fallbackWaitMs ?? 600_000 },
    );
    const fileId = ref.payload.message.content.file_id as string;
    const downloaded = await client.download(fileId, dest, { onProgress: options.onProgress });
    return { ...downloaded, mode: 'passive', fileId, fallbackReason: reason };
  }
}

/**
 * The data phase of file transfers: TLV frames on FILE_PORT, served through the transport's
 * serveChannel() (TLS, limits, drain and metrics like the control port).
 *
 * One connection carries one transfer. The first frame is OPEN (0x03) `{transfer_id, token,
 * offset?}`, authenticated with the control channel's access token; the server answers an ACK
 * (0x02) whose offset is where to start. Upload: DATA (0x01) frames are appended; every
 * FILE_ACK_EVERY frames the partial file is fdatasync'ed, the offset stored, then ACKed (an ACK
 * is a promise that survives a crash). At file_size the sha256 is checked and the file committed
 * atomically. Download: DATA frames from the start offset with at most FILE_WINDOW_BYTES
 * unacknowledged. CANCEL (0x04) from either side ends the transfer; ERROR (0x05) then close
 * answers anything wrong. Nothing here can crash the process: every failure becomes an ERROR frame.
 */
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createHash, Hash } from 'node:crypto';
import { AccessTokenVerifier } from '../../common/guards/access-token-verifier';
import { InjectConfig } from '../../config/config.util';
import { FileConfig, fileConfig } from './file.config';
import { deriveTransferKey, FILE_TAG_BYTES, openChunk, ProtocolError, sealChunk, TlvFrame, TlvType, validatePayload } from '../../shared/protocol';
import { FileAckDto, FileOpenDto } from '../../shared/protocol/messages/file.messages';
import { SwitchboardServer } from '../../transport/switchboard.server';
import type { ChannelConnection, ChannelRefusal, ServedChannel } from '../../transport/tlv-channel';
import { toProtocolError } from '../../transport/protocol-error.mapper';
import type { FileTransferEntity } from './entities/file-transfer.entity';
import { DataConnectionGuard } from './data-connection-guard';
import { FileRepository } from './file.repository';
import { FileService } from './file.service';
import { FileStorage, PartialWriter } from './storage/file-storage';
import { isNoSpace, StorageSpace, storageFullError } from './storage-space';
import { HeldLease, TransferLease } from './transfer-lease';
import { TransferLinks } from './transfer-links';
import { UploadRecovery } from './upload-recovery';

interface UploadSession {
  kind: 'upload';
  transfer: FileTransferEntity;
  writer: PartialWriter;
  hash: Hash;
  offset: number;
  sinceAck: number;
  key?: Buffer;
  /** This connection's claim on the transfer across nodes (transfer-lease.ts). */
  lease: HeldLease;
  /** The fsync + offset write + ACK running behind the data path, if any. */
  syncing?: Promise<void>;
}

interface DownloadSession {
  kind: 'download';
  transfer: FileTransferEntity;
  sent: number;
  acked: number;
  key?: Buffer;
  wake?: () => void;
  lastTouch: number;
}

type Session = UploadSession | DownloadSession;
const SESSION = 'file.session';
/** JSON frames (OPEN, ACK, CANCEL) are small; data frames are chunk_size plus the GCM tag. */
const MAX_JSON_FRAME = 16 * 1024;
/** Download: bytes a data connection may hold in its socket buffer before the server waits for 'drain'. */
const SEND_BUFFER_BYTES = 1024 * 1024;

function frameError(code: string, message: string, status?: number): ProtocolError {
  return new ProtocolError(code, message, status);
}

@Injectable()
export class FileDataChannel implements OnModuleInit {
  private readonly logger = new Logger('FileDataChannel');
  /** The served channel (its port and open connections). */
  channel!: ServedChannel;

  constructor(
    @InjectConfig(fileConfig) private readonly config: FileConfig,
    private readonly server: SwitchboardServer,
    private readonly files: FileService,
    private readonly repository: FileRepository,
    private readonly storage: FileStorage,
    private readonly verifier: AccessTokenVerifier,
    private readonly links: TransferLinks,
    private readonly lease: TransferLease,
    private readonly guard: DataConnectionGuard,
    private readonly space: StorageSpace,
    private readonly recovery: UploadRecovery,
  ) {}

  onModuleInit(): void {
    const channel = (this.channel = this.server.serveChannel({
      name: 'file',
      port: this.config.port,
      maxPayloadBytes: Math.max(this.config.chunkSize + FILE_TAG_BYTES, MAX_JSON_FRAME),
      onFrame: (conn, frame) => this.onFrame(conn, frame),
      onRefuse: (conn, refusal: ChannelRefusal) => this.sendJson(conn, TlvType.ERROR, refusal),
      onClose: (conn) => this.onClose(conn),
    }));
    const files = this.files;
    // The port is known once the transport listens; read it lazily.
    files.setEndpoint({
      get port() {
        return channel.port;
      },
      protocol: channel.protocol,
    });
  }

  private async onFrame(conn: ChannelConnection, frame: TlvFrame): Promise<void> {
    try {
      const session = conn.attributes.get(SESSION) as Session | undefined;
      if (!session) {
        if (frame.type !== TlvType.OPEN) throw frameError('INVALID_FRAME', `the first frame must be OPEN (0x03) {transfer_id, token}; got type 0x${hex(frame.type)}`);
        return await this.open(conn, frame);
      }
      const id = session.transfer.id;
      switch (frame.type) {
        case TlvType.DATA:
          if (session.kind !== 'upload') throw frameError('INVALID_FRAME', 'DATA frames are sent by the server on a download; send ACK frames');
          return await this.links.run(id, () => this.onData(conn, session, frame));
        case TlvType.ACK:
          return session.kind === 'download' ? await this.onDownloadAck(conn, session, frame.payload) : this.ackUpload(conn, session);
        case TlvType.CANCEL:
          return await this.onCancel(conn, session, frame.payload);
        case TlvType.OPEN:
          throw frameError('INVALID_FRAME', 'this connection already carries a transfer; open a new connection for another one');
        default:
          throw frameError('INVALID_FRAME', `unknown frame type 0x${hex(frame.type)}; the data channel knows 0x01 DATA, 0x02 ACK, 0x03 OPEN, 0x04 CANCEL`);
      }
    } catch (err) {
      if (isNoSpace(err)) return await this.storageFull(conn);
      const error = toProtocolError(err);
      if (error.status >= 500) this.logger.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      this.fail(conn, error);
    }
  }

  private async open(conn: ChannelConnection, frame: TlvFrame): Promise<void> {
    const dto = validatePayload(FileOpenDto, parseJson(frame.payload, 'OPEN'));
    const access = await this.verifier.verify(dto.token);
    // From here the connection lives only as long as the session and while something moves (#18.3).
    this.guard.track(conn, access, (error) => this.fail(conn, error));
    const notFound = () => frameError('TRANSFER_NOT_FOUND', `transfer ${dto.transfer_id} does not exist or is not yours; request one with file/request`);
    await this.links.run(dto.transfer_id, async () => {
      const transfer = await this.repository.findTransfer(dto.transfer_id);
      if (!transfer || transfer.userId !== access.userId) throw notFound();
      if (transfer.state === 'queued') throw frameError('TRANSFER_QUEUED', `transfer ${transfer.id} is queued; open the data connection after the file/accept event`);
      if (transfer.state !== 'active') throw frameError('TRANSFER_CLOSED', `transfer ${transfer.id} has ended (${transfer.state}); request a new one`);
      let key: Buffer | undefined;
      if (transfer.keyId) {
        const psk = this.files.preSharedKey(transfer.keyId);
        if (!psk) throw frameError('TRANSFER_CLOSED', `transfer ${transfer.id} was encrypted with key ${transfer.keyId}, which the server no longer has; request a new transfer`);
        key = deriveTransferKey(psk, transfer.id);
      }
      // A resume after a dead socket: the old connection (maybe not yet noticed dead) yields.
      let current: UploadSession | undefined;
      const previous = this.links.attach(transfer.id, {
        conn,
        close: (type, body) => this.closeWith(conn, type, body),
        settle: async () => void (await current?.syncing?.catch(() => undefined)),
      });
      previous?.close(TlvType.ERROR, { status: 409, error_code: 'TRANSFER_SUPERSEDED', error_message: 'a newer data connection opened this transfer' });
      if (transfer.direction === 'upload') {
        // The old connection's last fsync may still be storing an offset: let it finish, then
        // start from what is durable now.
        await previous?.settle();
        // Any node may serve the upload, one connection at a time: a connection on another node
        // that still holds the lease makes this one TRANSFER_BUSY.
        const lease = await this.lease.claim(transfer.id, conn.id).catch((err: unknown) => {
          this.links.detach(transfer.id, conn);
          throw err;
        });
        try {
          transfer.offset = (await this.repository.findTransfer(transfer.id))?.offset ?? transfer.offset;
          if ((await this.recovery.recover(transfer, lease)) === 'finished') {
            // Committed before a crash: only the database step was missing, and is done now.
            this.links.detach(transfer.id, conn);
            await this.lease.release(lease);
            this.sendAck(conn, transfer.id, transfer.fileSize);
            this.closeWith(conn, TlvType.ACK, { transfer_id: transfer.id, offset: transfer.fileSize, status: 200, file_id: transfer.fileId });
            return;
          }
          const writer = await this.storage.openPartial(transfer.id, transfer.offset);
          const hash = createHash('sha256');
          // The running hash is rebuilt from the durable bytes (resume, also after a restart or on another node).
          for await (const chunk of this.storage.readPartial(transfer.id, transfer.offset, 1024 * 1024)) hash.update(chunk);
          const session: UploadSession = (current = { kind: 'upload', transfer, writer, hash, offset: transfer.offset, sinceAck: 0, key, lease });
          conn.attributes.set(SESSION, session);
          if (conn.closed) {
            // onClose ran before the session existed: give everything back here.
            conn.attributes.delete(SESSION);
            this.links.detach(transfer.id, conn);
            await writer.close();
            await this.lease.release(lease);
            return;
          }
        } catch (err) {
          await this.lease.release(lease).catch(() => undefined);
          throw err;
        }
        this.sendAck(conn, transfer.id, transfer.offset);
        // Nothing left to send (a 0-byte file, or every byte verified before a crash): finish now,
        // the client only waits for the last ACK (#18.4, #18.7).
        if (current.offset === transfer.fileSize) await this.completeUpload(conn, current);
        return;
      }
      const start = dto.offset ?? transfer.offset;
      if (start > transfer.fileSize) throw frameError('INVALID_FRAME', `offset ${start} is beyond the file size ${transfer.fileSize}`);
      if (key && start % transfer.chunkSize !== 0 && start !== transfer.fileSize) {
        throw frameError('INVALID_FRAME', `an encrypted download resumes at a multiple of chunk_size (${transfer.chunkSize}); got offset ${start}`);
      }
      const session: DownloadSession = { kind: 'download', transfer, sent: start, acked: start, key, lastTouch: Date.now() };
      conn.attributes.set(SESSION, session);
      this.sendAck(conn, transfer.id, start);
      void this.stream(conn, session).catch((err: unknown) => this.fail(conn, toProtocolError(err)));
    });
  }

  private async onData(conn: ChannelConnection, session: UploadSession, frame: TlvFrame): Promise<void> {
    if (conn.closed || conn.ending) return;
    const { transfer } = session;
    // Plain data stays in the pieces the socket read it in (written with one writev, hashed piece
    // by piece): no copy of every uploaded byte. Sealed data is opened as one buffer.
    let parts = frame.parts;
    let length = frame.length;
    if (session.key) {
      const index = Math.floor(session.offset / transfer.chunkSize);
      const opened = openChunk(session.key, transfer.id, index, frame.payload);
      if (!opened) {
        // A forged or corrupted chunk: the transfer is aborted (no partial counts as anything).
        const error = frameError('DECRYPTION_FAILED', `chunk ${index} failed authentication (bad GCM tag); the transfer is aborted`);
        await this.files.failUpload(transfer, error);
        throw error;
      }
      parts = [opened];
      length = opened.length;
      if (length !== transfer.chunkSize && session.offset + length !== transfer.fileSize) {
        throw frameError('INVALID_FRAME', `encrypted data frames carry exactly chunk_size (${transfer.chunkSize}) bytes, except the last`);
      }
    }
    if (length === 0) throw frameError('INVALID_FRAME', 'empty DATA frame');
    if (session.offset + length > transfer.fileSize) {
      throw frameError('INVALID_FRAME', `DATA goes ${session.offset + length - transfer.fileSize} bytes beyond file_size ${transfer.fileSize}; resume from the last ACK offset`);
    }
    // The lease: cheap unless a third of it has passed, then one conditional UPDATE first.
    // The disk write (thread pool) runs while this thread hashes the same bytes. If the write
    // fails the hash is void anyway: the connection fails and a resume rebuilds it from disk.
    await this.lease.write(session.lease, async () => {
      const written = session.writer.append(parts);
      for (const part of parts) session.hash.update(part);
      await written;
    });
    session.offset += length;
    session.sinceAck++;
    if (session.offset === transfer.fileSize) {
      await session.syncing;
      return this.completeUpload(conn, session);
    }
    // The fsync runs behind the data path (the next FILE_ACK_EVERY frames keep being written
    // meanwhile), one at a time: the next one waits for it, so at most 2 × FILE_ACK_EVERY frames
    // are ever unacknowledged.
    if (session.sinceAck >= this.config.ackEvery) {
      if (session.syncing) await session.syncing;
      session.sinceAck = 0;
      const syncing = this.persist(conn, session, session.offset);
      session.syncing = syncing;
      syncing.then(
        () => {
          if (session.syncing === syncing) session.syncing = undefined;
        },
        (err: unknown) => (isNoSpace(err) ? void this.storageFull(conn) : this.fail(conn, toProtocolError(err))),
      );
    }
  }

  /**
   * fdatasync, then store the offset, then ACK: an acknowledged offset survives a crash. The
   * datasync covers every write completed before it started, so `offset` (taken then) is durable.
   */
  private async persist(conn: ChannelConnection, session: UploadSession, offset: number): Promise<void> {
    await session.writer.sync();
    if (!(await this.lease.saveOffset(session.lease, offset))) {
      throw frameError('TRANSFER_CLOSED', `transfer ${session.transfer.id} was cancelled or expired, or another data connection took it over`);
    }
    session.transfer.offset = offset;
    this.sendAck(conn, session.transfer.id, offset);
  }

  private ackUpload(conn: ChannelConnection, session: UploadSession): void {
    this.sendAck(conn, session.transfer.id, session.transfer.offset);
  }

  private async completeUpload(conn: ChannelConnection, session: UploadSession): Promise<void> {
    const { transfer } = session;
    await session.writer.sync();
    await session.writer.close();
    conn.attributes.delete(SESSION);
    // Still the one writer of this transfer (checked in the database) before it is committed.
    await this.lease.hold(session.lease, true);
    const digest = session.hash.digest('hex');
    if (digest !== transfer.sha256) {
      const error = frameError('HASH_MISMATCH', `the received bytes hash to sha256:${digest}, not the announced sha256:${transfer.sha256}; the upload was discarded`);
      await this.files.failUpload(transfer, error);
      throw error;
    }
    // Verified: recorded before the commit, so a crash between the rename and the database update
    // is finished by the next OPEN (recover()) instead of leaving the transfer stuck (#18.7).
    if (!(await this.lease.saveOffset(session.lease, transfer.fileSize))) {
      throw frameError('TRANSFER_CLOSED', `transfer ${transfer.id} was cancelled or expired, or another data connection took it over`);
    }
    transfer.offset = transfer.fileSize;
    await this.storage.commit(transfer.id, transfer.sha256);
    // Ends the lane's work before the sharing (which may take a while) and answers at once.
    const file = await this.files.finishUpload(transfer);
    this.closeWith(conn, TlvType.ACK, { transfer_id: transfer.id, offset: transfer.fileSize, status: 200, file_id: file.id });
  }

  private async stream(conn: ChannelConnection, session: DownloadSession): Promise<void> {
    const { transfer } = session;
    const { chunkSize } = transfer;
    let index = Math.floor(session.sent / chunkSize);
    for await (const chunk of this.storage.readBlob(transfer.sha256, session.sent, chunkSize)) {
      // The window bounds what the client has not confirmed; the socket's buffer bounds memory.
      while (!conn.closed && session.sent - session.acked >= this.config.windowBytes) {
        await new Promise<void>((resolve) => (session.wake = resolve));
      }
      if (conn.closed || conn.ending) return;
      const payload = session.key ? sealChunk(session.key, transfer.id, index, chunk) : chunk;
      index++;
      session.sent += chunk.length;
      // The socket's own high-water mark (16 KiB) is below one chunk: waiting for 'drain' after
      // every chunk would make each one a round trip. Up to SEND_BUFFER_BYTES stay queued instead.
      if (!conn.send(TlvType.DATA, payload) && conn.writableLength >= SEND_BUFFER_BYTES) await conn.writable();
    }
  }

  private async onDownloadAck(conn: ChannelConnection, session: DownloadSession, payload: Buffer): Promise<void> {
    const ack = validatePayload(FileAckDto, parseJson(payload, 'ACK'));
    if (ack.offset > session.sent || ack.offset < session.acked) {
      throw frameError('INVALID_FRAME', `ACK offset ${ack.offset} is outside what was sent (${session.acked}..${session.sent})`);
    }
    session.acked = ack.offset;
    session.wake?.();
    session.wake = undefined;
    if (ack.offset === session.transfer.fileSize) {
      conn.attributes.delete(SESSION);
      await this.files.finishDownload(session.transfer);
      this.closeWith(conn, TlvType.ACK, { transfer_id: session.transfer.id, offset: ack.offset, status: 200, file_id: session.transfer.fileId });
    } else if (Date.now() - session.lastTouch > 1000) {
      // Progress keeps the transfer from expiring (throttled: one write a second at most).
      session.lastTouch = Date.now();
      await this.repository.transition(session.transfer.id, ['active'], { offset: ack.offset });
    }
  }

  private async onCancel(conn: ChannelConnection, session: Session, payload: Buffer): Promise<void> {
    let reason = 'cancelled by the client on the data channel';
    try {
      const body = JSON.parse(payload.toString('utf8')) as { reason?: unknown };
      if (typeof body?.reason === 'string') reason = body.reason.slice(0, 512);
    } catch {
      // A CANCEL body is optional.
    }
    conn.attributes.delete(SESSION);
    if (session.kind === 'upload') {
      await session.syncing?.catch(() => undefined);
      await session.writer.close().catch(() => undefined);
      await this.lease.release(session.lease).catch(() => undefined);
    }
    await this.files.end(session.transfer, 'cancelled', { by: 'client', reason, notify: true, skipLink: true });
    conn.end();
  }

  private onClose(conn: ChannelConnection): void {
    this.guard.untrack(conn);
    const session = conn.attributes.get(SESSION) as Session | undefined;
    if (!session) return;
    conn.attributes.delete(SESSION);
    this.links.detach(session.transfer.id, conn);
    if (session.kind === 'upload') {
      void this.links
        .run(session.transfer.id, async () => {
          await session.syncing?.catch(() => undefined);
          await session.writer.close();
          // Another node may continue this upload at once (no wait for the lease to run out).
          await this.lease.release(session.lease);
        })
        .catch(() => undefined);
    } else {
      session.wake?.();
    }
  }

  /**
   * A write found no space (#18.6): the upload ends with STORAGE_FULL (file/ack says so) and its
   * partial data is deleted, so the space is free again at once; the client uploads again later.
   */
  private async storageFull(conn: ChannelConnection): Promise<void> {
    this.space.wroteFull();
    const error = storageFullError("the server's file storage is full: this upload was ended and its partial data deleted; upload again after retry_after_ms");
    const session = conn.attributes.get(SESSION) as Session | undefined;
    this.fail(conn, error);
    if (session?.kind !== 'upload') return;
    conn.attributes.delete(SESSION);
    this.links.detach(session.transfer.id, conn);
    await this.links
      .run(session.transfer.id, async () => {
        await session.syncing?.catch(() => undefined);
        await session.writer.close().catch(() => undefined);
        await this.lease.release(session.lease).catch(() => undefined);
        await this.files.failUpload(session.transfer, error);
      })
      .catch((err: unknown) => this.logger.error(`transfer ${session.transfer.id}: ending it after a full disk failed: ${(err as Error).message}`));
  }

  private fail(conn: ChannelConnection, error: ProtocolError): void {
    this.closeWith(conn, TlvType.ERROR, error.toPayload());
  }

  private closeWith(conn: ChannelConnection, type: number, body: Record<string, unknown>): void {
    if (conn.closed || conn.ending) return;
    this.sendJson(conn, type, body);
    conn.end();
  }

  private sendAck(conn: ChannelConnection, transferId: string, offset: number): void {
    this.sendJson(conn, TlvType.ACK, { transfer_id: transferId, offset, status: 200 });
  }

  private sendJson(conn: ChannelConnection, type: number, body: object): void {
    conn.send(type, JSON.stringify(body));
  }
}

function hex(type: number): string {
  return type.toString(16).padStart(2, '0');
}

function parseJson(payload: Buffer, what: string): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    throw frameError('INVALID_FRAME', `${what} payload must be a JSON object`);
  }
}

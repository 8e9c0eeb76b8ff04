/**
 * The control side of file transfers (file/request, file/ack, file/cancel): limits, slots and
 * queueing, instant upload, resume, and the one place a transfer ends (complete, failed,
 * cancelled, expired), which frees its slot and may accept a queued one (file/accept).
 */
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { InjectConfig } from '../../config/config.util';
import { FileConfig, fileConfig } from './file.config';
import { SecurityConfig, securityConfig } from '../../config/security.config';
import { MessageConfig, messageConfig } from '../message/message.config';
import { FileCommands, ProtocolError, validationError } from '../../shared/protocol';
import { FILE_HASH_PATTERN, FileAcceptDto, FileRequestDto, MAX_FILE_NAME_LENGTH } from '../../shared/protocol/messages/file.messages';
import { ConnectionRegistry } from '../../transport/connection-registry';
import { EventPublisher } from '../../transport/event-publisher';
import { FileTransferEntity, OPEN_STATES, TransferState } from './entities/file-transfer.entity';
import { StoredFileEntity } from './entities/stored-file.entity';
import { FileRepository } from './file.repository';
import { FileSharingService } from './file-sharing.service';
import { FileStorage } from './storage/file-storage';
import { StorageSpace } from './storage-space';
import { TransferLinks } from './transfer-links';
import { TransferNotices } from './transfer-notices';

export const FINAL_STATES: TransferState[] = ['complete', 'failed', 'cancelled', 'expired'];

export interface RequestContext {
  userId: string;
  /** Local address the control connection reached: the default data-channel host. */
  localAddress?: string;
}

/** Where the data channel listens (set by FileDataChannel once it listens). */
export interface DataEndpoint {
  port: number;
  protocol: 'tcp' | 'tls';
}

export function newFileId(): string {
  return `f-${randomBytes(12).toString('hex')}`;
}

/** The file a verified (or instant) upload becomes. */
function newFile(transfer: FileTransferEntity): StoredFileEntity {
  return Object.assign(new StoredFileEntity(), {
    id: newFileId(),
    sha256: transfer.sha256,
    size: transfer.fileSize,
    name: transfer.fileName,
    mime: transfer.mime,
    uploaderId: transfer.userId,
    createdAt: Date.now(),
  });
}

function transferNotFound(id: string): ProtocolError {
  return new ProtocolError('TRANSFER_NOT_FOUND', `transfer ${id} does not exist, is not yours, or has ended; start a new transfer with file/request (without resume)`);
}

@Injectable()
export class FileService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('FileService');
  private endpoint: DataEndpoint = { port: 0, protocol: 'tcp' };
  private sweepTimer?: NodeJS.Timeout;
  /** Per-user serial lane for the slot count (two requests cannot both take the last slot). */
  private readonly userLanes = new TransferLinks();

  constructor(
    @InjectConfig(fileConfig) private readonly config: FileConfig,
    @InjectConfig(securityConfig) private readonly security: SecurityConfig,
    @InjectConfig(messageConfig) private readonly messages: MessageConfig,
    private readonly repository: FileRepository,
    private readonly storage: FileStorage,
    private readonly sharing: FileSharingService,
    private readonly publisher: EventPublisher,
    private readonly registry: ConnectionRegistry,
    private readonly links: TransferLinks,
    private readonly notices: TransferNotices,
    private readonly space: StorageSpace,
  ) {}

  onModuleInit(): void {
    this.sweepTimer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.logger.error(`sweep failed: ${(err as Error).message}`));
    }, this.config.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  setEndpoint(endpoint: DataEndpoint): void {
    this.endpoint = endpoint;
  }

  /** The pre-shared key an encrypted transfer derives its key from (by id), if configured. */
  preSharedKey(keyId: string): Buffer | undefined {
    return this.security.encryption.keys.find((k) => k.kid === keyId)?.key;
  }

  async request(ctx: RequestContext, dto: FileRequestDto): Promise<FileAcceptDto | Record<string, unknown>> {
    if (dto.mode !== undefined && dto.mode !== 'passive') {
      // "active" is routed to DirectTransferService by the handler.
      throw new ProtocolError('MODE_NOT_SUPPORTED', `mode "${dto.mode}" is unknown: "passive" (default: through the server) or "active" (direct between two clients)`);
    }
    let keyId: string | null = null;
    if (dto.encryption === 'aes-gcm') {
      const current = this.security.encryption.keys[0];
      if (!current) throw validationError([{ field: 'encryption', problems: ['aes-gcm is not available: the server has no pre-shared key (PAYLOAD_KEYS); use "none"'] }]);
      keyId = current.kid;
    }
    return dto.direction === 'download' ? this.requestDownload(ctx, dto, keyId) : this.requestUpload(ctx, dto, keyId);
  }

  private async requestUpload(ctx: RequestContext, dto: FileRequestDto, keyId: string | null): Promise<Record<string, unknown>> {
    if (!FILE_HASH_PATTERN.test(dto.hash)) {
      throw validationError([{ field: 'hash', problems: ['must be "sha256:" followed by the 64 lower-case hex digits of the whole file (sha256 is the only hash verified)'] }]);
    }
    const sha256 = dto.hash.slice('sha256:'.length);
    // One spelling per name (#18.11): "é" precomposed or not is the same name for every reader.
    const fileName = dto.file_name.normalize('NFC');
    if (fileName.length > MAX_FILE_NAME_LENGTH) {
      throw validationError([{ field: 'file_name', problems: [`must be at most ${MAX_FILE_NAME_LENGTH} characters once normalised to Unicode NFC (it has ${fileName.length})`] }]);
    }
    if (dto.resume) {
      const transfer = await this.repository.findTransfer(dto.resume.transfer_id);
      const same = transfer?.fileSize === dto.file_size && transfer?.sha256 === sha256;
      if (transfer && transfer.userId === ctx.userId && transfer.direction === 'upload' && transfer.state === 'complete' && same) {
        return this.answerFinished(transfer, ctx.localAddress);
      }
      if (!transfer || transfer.userId !== ctx.userId || transfer.direction !== 'upload' || !OPEN_STATES.includes(transfer.state)) {
        throw transferNotFound(dto.resume.transfer_id);
      }
      if (!same) {
        throw new ProtocolError('CONFLICT', `transfer ${transfer.id} is for another file (size or hash differ); resume it with the same file or start a new upload`, 409);
      }
      await this.repository.transition(transfer.id, OPEN_STATES, {});
      return this.answer(transfer, ctx.localAddress);
    }
    if (dto.file_size > this.config.maxBytes) {
      throw new ProtocolError('FILE_TOO_LARGE', `file_size ${dto.file_size} exceeds the limit of ${this.config.maxBytes} bytes (FILE_MAX_BYTES)`);
    }
    await this.sharing.assertTarget(ctx.userId, dto.target);
    // The lane orders this process's requests; the lock row orders them across nodes (#18.8).
    const outcome = await this.userLanes.run(ctx.userId, () => this.repository.underUserLock(ctx.userId, async (tx) => {
      const used = await tx.quotaUsed();
      if (used + dto.file_size > this.config.quotaBytes) {
        throw new ProtocolError(
          'QUOTA_EXCEEDED',
          `storage quota exceeded: you use ${used} of ${this.config.quotaBytes} bytes (finished and in-progress uploads); this file needs ${dto.file_size} more — delete files or wait for uploads to finish`,
          413,
          { quota_bytes: this.config.quotaBytes, used_bytes: used },
        );
      }
      const now = Date.now();
      const transfer: FileTransferEntity = Object.assign(new FileTransferEntity(), {
        id: `tr-${randomBytes(12).toString('hex')}`,
        userId: ctx.userId,
        direction: 'upload',
        state: 'active',
        fileId: null,
        fileName,
        fileSize: dto.file_size,
        sha256,
        mime: dto.mime ?? null,
        targetType: dto.target.type,
        targetId: dto.target.id,
        offset: 0,
        chunkSize: this.config.chunkSize,
        keyId,
        errorCode: null,
        createdAt: now,
        updatedAt: now,
      });
      // Instant upload only for content the caller can already read (#18.2): knowing a hash is
      // no proof of holding the bytes. Anyone else uploads them like new content, answered exactly
      // as for unknown content; the commit then stores them once (FileStorage.commit drops a
      // partial whose blob exists), so nothing tells them the content was already there.
      if ((await this.sharing.mayReadContent(sha256, ctx.userId)) && (await this.storage.blobSize(sha256)) === dto.file_size) {
        const file = newFile(transfer);
        await tx.completeNew(file, Object.assign(transfer, { offset: dto.file_size }));
        return { transfer, file };
      }
      // Refused before the disk is full, counting what the uploads in progress still write (#18.6).
      await this.space.assertRoomFor(dto.file_size, await this.repository.pendingUploadBytes());
      if ((await tx.countActive()) >= this.config.maxConcurrent) transfer.state = 'queued';
      await tx.insertTransfer(transfer);
      return { transfer };
    }));
    if (outcome.file) {
      await this.announceUpload(Object.assign(outcome.transfer, { state: 'complete' as const }), outcome.file, true);
      return { ...this.acceptPayload(outcome.transfer, ctx.localAddress), file_id: outcome.file.id, instant: true };
    }
    return this.answer(outcome.transfer, ctx.localAddress);
  }

  private async requestDownload(ctx: RequestContext, dto: FileRequestDto, keyId: string | null): Promise<Record<string, unknown>> {
    const file = await this.sharing.accessible(dto.file_id!, ctx.userId);
    if (dto.resume) {
      const transfer = await this.repository.findTransfer(dto.resume.transfer_id);
      if (!transfer || transfer.userId !== ctx.userId || transfer.direction !== 'download' || transfer.fileId !== file.id || !OPEN_STATES.includes(transfer.state)) {
        throw transferNotFound(dto.resume.transfer_id);
      }
      const offset = Math.min(dto.resume.offset, file.size);
      await this.repository.transition(transfer.id, OPEN_STATES, { offset });
      return this.answer({ ...transfer, offset } as FileTransferEntity, ctx.localAddress);
    }
    return this.userLanes.run(ctx.userId, () => this.repository.underUserLock(ctx.userId, async (tx) => {
      const now = Date.now();
      const transfer: FileTransferEntity = Object.assign(new FileTransferEntity(), {
        id: `tr-${randomBytes(12).toString('hex')}`,
        userId: ctx.userId,
        direction: 'download',
        state: (await tx.countActive()) >= this.config.maxConcurrent ? 'queued' : 'active',
        fileId: file.id,
        fileName: file.name,
        fileSize: file.size,
        sha256: file.sha256,
        mime: file.mime,
        targetType: null,
        targetId: null,
        offset: 0,
        chunkSize: this.config.chunkSize,
        keyId,
        errorCode: null,
        createdAt: now,
        updatedAt: now,
      });
      await tx.insertTransfer(transfer);
      return this.answer(transfer, ctx.localAddress);
    }));
  }

  /**
   * A resume of an upload that finished while its client was not looking (the data connection
   * broke after the commit, or the server died between recording the file and sending the
   * file-ref): the answer says it is done, and the file-ref is sent again while the message
   * module still knows its request id (file-<transfer_id>), so it is sent at most once.
   */
  private async answerFinished(transfer: FileTransferEntity, localAddress?: string): Promise<Record<string, unknown>> {
    const file = transfer.fileId ? await this.repository.findFile(transfer.fileId) : null;
    if (!file) throw transferNotFound(transfer.id);
    if (Date.now() - transfer.updatedAt < this.messages.dedupTtlMs / 2) await this.sharing.shareUpload(transfer, file);
    return { ...this.acceptPayload(transfer, localAddress), file_id: file.id, resume_offset: file.size };
  }

  /** 200 with the data channel, or 202 (queued) with only the transfer id: file/accept follows. */
  private answer(transfer: FileTransferEntity, localAddress?: string): Record<string, unknown> {
    if (transfer.state === 'queued') {
      return {
        status: 202,
        transfer_id: transfer.id,
        queued: true,
        message: `at most ${this.config.maxConcurrent} transfers at a time: this one is queued; wait for the file/accept event`,
      };
    }
    return this.acceptPayload(transfer, localAddress);
  }

  acceptPayload(transfer: FileTransferEntity, localAddress?: string): FileAcceptDto & Record<string, unknown> {
    const payload: FileAcceptDto & Record<string, unknown> = {
      status: 200,
      transfer_id: transfer.id,
      mode: 'passive',
      endpoint: { host: this.hostFor(transfer.userId, localAddress), port: this.config.publicPort ?? this.endpoint.port, protocol: this.endpoint.protocol },
      chunk_size: transfer.chunkSize,
      resume_offset: transfer.offset,
      direction: transfer.direction,
      file_size: transfer.fileSize,
      encryption: transfer.keyId ? 'aes-gcm' : 'none',
      hash: `sha256:${transfer.sha256}`,
    };
    if (transfer.keyId) payload.key_id = transfer.keyId;
    if (transfer.fileId) payload.file_id = transfer.fileId;
    // The client paces its ACKs by it: a few per window, not one per chunk.
    if (transfer.direction === 'download') payload.window_bytes = this.config.windowBytes;
    return payload;
  }

  private hostFor(userId: string, localAddress?: string): string {
    if (this.config.publicHost) return this.config.publicHost;
    let address = localAddress;
    // file/accept is pushed later: use the address one of the user's connections reached here.
    if (!address) for (const conn of this.registry.forUser(userId)) address = conn.socket.localAddress ?? address;
    return (address ?? '127.0.0.1').replace(/^::ffff:/, '');
  }

  /** file/ack request: the durable offset (uploads) and state of one of my transfers. */
  async ack(userId: string, transferId: string): Promise<Record<string, unknown>> {
    const transfer = await this.repository.findTransfer(transferId);
    if (!transfer || transfer.userId !== userId) throw transferNotFound(transferId);
    const payload: Record<string, unknown> = { status: 200, transfer_id: transfer.id, offset: transfer.offset, state: transfer.state };
    if (transfer.fileId) payload.file_id = transfer.fileId;
    if (transfer.errorCode) payload.error_code = transfer.errorCode;
    return payload;
  }

  /** file/cancel from the client: ends the transfer, closes its data connection with a CANCEL frame. */
  async cancel(userId: string, transferId: string, reason?: string): Promise<Record<string, unknown>> {
    const transfer = await this.repository.findTransfer(transferId);
    if (!transfer || transfer.userId !== userId) throw transferNotFound(transferId);
    if (transfer.state === 'cancelled') return { status: 200, transfer_id: transferId, state: 'cancelled' };
    if (!OPEN_STATES.includes(transfer.state)) {
      throw new ProtocolError('TRANSFER_CLOSED', `transfer ${transferId} already ended (${transfer.state}); nothing to cancel`);
    }
    await this.end(transfer, 'cancelled', { by: 'client', reason: reason ?? 'cancelled by the client', notify: false });
    return { status: 200, transfer_id: transferId, state: 'cancelled' };
  }

  /**
   * Ends an open transfer once (compare-and-set on its state): deletes partial data, closes its
   * data connection with a CANCEL frame, tells the client with file/cancel when `notify`, and
   * frees the slot. Returns false when it had already ended.
   */
  async end(
    transfer: FileTransferEntity,
    state: 'cancelled' | 'expired' | 'failed',
    options: {
      by: 'client' | 'server';
      reason: string;
      notify: boolean;
      errorCode?: string;
      /** The caller's own data connection: it answers the client itself. */
      skipLink?: boolean;
      /** Already running in the transfer's lane (the data channel): do not queue behind itself. */
      inLane?: boolean;
    },
  ): Promise<boolean> {
    const work = async () => {
      const ok = await this.repository.transition(transfer.id, OPEN_STATES, { state, errorCode: options.errorCode ?? null });
      if (ok && transfer.direction === 'upload') await this.storage.deletePartial(transfer.id);
      return ok;
    };
    const changed = options.inLane ? await work() : await this.links.run(transfer.id, work);
    if (!changed) return false;
    if (!options.skipLink) {
      // Its data connection, on this node or (through the bus) on another one.
      await this.notices.ended({ transfer_id: transfer.id, reason: options.reason, status: state === 'expired' ? 404 : 409 });
    }
    if (options.notify) {
      await this.publisher.toUsers([transfer.userId], FileCommands.CANCEL.name, { status: 200, transfer_id: transfer.id, reason: options.reason, state, by: options.by });
    }
    await this.releaseSlot(transfer.userId);
    return true;
  }

  /**
   * A verified upload: the file row and the transfer marked complete (one transaction), then the
   * file/ack event, the share (file-ref message) and the freed slot.
   */
  async finishUpload(transfer: FileTransferEntity): Promise<StoredFileEntity> {
    const file = newFile(transfer);
    if (!(await this.repository.completeUpload(file, transfer, ['active']))) {
      throw new ProtocolError('TRANSFER_CLOSED', `transfer ${transfer.id} was cancelled or expired before it completed; request a new one`);
    }
    await this.announceUpload(transfer, file, false);
    return file;
  }

  /** After a finished upload is recorded. `instant`: no transfer held a slot. */
  private async announceUpload(transfer: FileTransferEntity, file: StoredFileEntity, instant: boolean): Promise<void> {
    transfer.fileId = file.id;
    await this.publisher.toUsers([transfer.userId], FileCommands.ACK.name, { status: 200, transfer_id: transfer.id, file_id: file.id, offset: transfer.fileSize });
    await this.sharing.shareUpload(transfer, file);
    if (!instant) await this.releaseSlot(transfer.userId);
  }

  /** A finished download (the client acknowledged the last byte). */
  async finishDownload(transfer: FileTransferEntity): Promise<void> {
    if (await this.repository.transition(transfer.id, ['active'], { state: 'complete', offset: transfer.fileSize })) {
      await this.releaseSlot(transfer.userId);
    }
  }

  /**
   * A failed upload (wrong hash, bad tag): file/ack with the error, partial deleted, slot freed.
   * Called from the data channel inside the transfer's lane.
   */
  async failUpload(transfer: FileTransferEntity, error: ProtocolError): Promise<void> {
    const ended = await this.end(transfer, 'failed', { by: 'server', reason: error.message, notify: false, errorCode: error.code, skipLink: true, inLane: true });
    if (!ended) return;
    await this.publisher.toUsers([transfer.userId], FileCommands.ACK.name, {
      transfer_id: transfer.id,
      offset: 0,
      ...error.toPayload(),
    });
  }

  /** Accepts queued transfers of this user while slots are free: file/accept for each. */
  private async releaseSlot(userId: string): Promise<void> {
    const accepted = await this.userLanes.run(userId, () => this.repository.underUserLock(userId, async (tx) => {
      const promoted: FileTransferEntity[] = [];
      while ((await tx.countActive()) < this.config.maxConcurrent) {
        const next = await tx.oldestQueued();
        if (!next) break;
        if (await tx.promote(next.id)) promoted.push({ ...next, state: 'active' } as FileTransferEntity);
      }
      return promoted;
    }));
    for (const transfer of accepted) {
      await this.publisher.toUsers([userId], FileCommands.ACCEPT.name, this.acceptPayload(transfer));
    }
  }

  /**
   * FILE_TRANSFER_TTL: open transfers without progress for that long expire (partial data
   * deleted, data connection closed, file/cancel with reason "expired"); partial files no open
   * transfer owns (left by a crash) are removed.
   */
  async sweep(now = Date.now()): Promise<number> {
    let expired = 0;
    for (const transfer of await this.repository.staleTransfers(now - this.config.transferTtlMs)) {
      const reason = `no progress for ${Math.round(this.config.transferTtlMs / 1000)} s (FILE_TRANSFER_TTL): transfer expired`;
      if (await this.end(transfer, 'expired', { by: 'server', reason, notify: true })) expired++;
    }
    const partials = await this.storage.listPartials();
    const owned = await this.repository.openUploadIds(partials);
    for (const id of partials) if (!owned.has(id)) await this.links.run(id, () => this.storage.deletePartial(id));
    return expired;
  }
}

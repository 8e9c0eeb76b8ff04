/**
 * Direct (mode "active") transfers, draft §2.4 "建立直连": the server brokers, the two clients move
 * the bytes. The sender listens and says where (file/request `endpoint`); the server checks the
 * recipient like any file offer (exists, not blocked, DIRECT_MESSAGE_POLICY), makes a one-time
 * token and tells it, with the endpoint, to the sender (answer) and to the recipient only
 * (file/accept event). The recipient connects to the sender and speaks the data channel's TLV
 * protocol (OPEN with the token, DATA, ACK, resume by offset); both report completion with
 * file/ack state "complete", and when both did the transfer is complete and both are told. Either
 * side may give up with file/cancel (the other is told): the clients then send through the server
 * (passive). The server never sees a byte of the file. docs/protocol.md "Direct (active) transfers".
 */
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { InjectConfig } from '../../config/config.util';
import { FileCommands, ProtocolError, validationError } from '../../shared/protocol';
import { FILE_HASH_PATTERN, FileRequestDto, MAX_FILE_NAME_LENGTH } from '../../shared/protocol/messages/file.messages';
import { EventPublisher } from '../../transport/event-publisher';
import { DirectTransferRepository } from './direct-transfer.repository';
import { FileDirectTransferEntity } from './entities/file-direct-transfer.entity';
import { FileConfig, fileConfig } from './file.config';
import { FileSharingService } from './file-sharing.service';

/** Direct transfer ids: the prefix routes file/ack and file/cancel here. */
export const DIRECT_PREFIX = 'td-';

function notFound(id: string): ProtocolError {
  // Word for word what FileService answers for an unknown transfer: a stranger learns nothing.
  return new ProtocolError('TRANSFER_NOT_FOUND', `transfer ${id} does not exist, is not yours, or has ended; start a new transfer with file/request (without resume)`);
}

function modeRefused(why: string): ProtocolError {
  return new ProtocolError('MODE_NOT_SUPPORTED', why, 400);
}

@Injectable()
export class DirectTransferService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('DirectTransfers');
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    @InjectConfig(fileConfig) private readonly config: FileConfig,
    private readonly repository: DirectTransferRepository,
    private readonly sharing: FileSharingService,
    private readonly publisher: EventPublisher,
  ) {}

  onModuleInit(): void {
    this.sweepTimer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.logger.error(`sweep of direct offers failed: ${(err as Error).message}`));
    }, this.config.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  /**
   * An offer neither finished nor cancelled within FILE_TRANSFER_TTL (both clients went away) is
   * cancelled, so its record does not say "offered" for ever; both sides are told.
   */
  async sweep(now = Date.now()): Promise<number> {
    let ended = 0;
    for (const row of await this.repository.staleOffers(now - this.config.transferTtlMs)) {
      if (!(await this.repository.transition(row.id, 'offered', 'cancelled', now))) continue;
      ended++;
      const reason = `no completion for ${Math.round(this.config.transferTtlMs / 1000)} s (FILE_TRANSFER_TTL): direct transfer expired`;
      await this.publisher.toUsers([row.senderId, row.recipientId], FileCommands.CANCEL.name, { status: 200, transfer_id: row.id, state: 'cancelled', by: 'server', reason });
    }
    return ended;
  }

  async offer(senderId: string, dto: FileRequestDto): Promise<Record<string, unknown>> {
    if (!this.config.activeMode) {
      throw modeRefused('direct (mode "active") transfers are turned off on this server (FILE_ACTIVE_MODE=off); omit mode to send through the server (passive)');
    }
    if (dto.direction === 'download') throw modeRefused('mode "active" sends a file to one user (an upload); downloads are passive: omit mode');
    if (dto.target?.type !== 'user') throw modeRefused('mode "active" sends a file to one user; to a group send it through the server: omit mode');
    if (dto.resume) throw validationError([{ field: 'resume', problems: ['a direct transfer resumes on its direct connection (OPEN with offset); omit resume'] }]);
    if (dto.encryption === 'aes-gcm') throw validationError([{ field: 'encryption', problems: ['a direct transfer is not sealed with the server key; omit encryption (or use passive)'] }]);
    if (dto.endpoint?.protocol !== 'tcp') throw validationError([{ field: 'endpoint.protocol', problems: ['must be "tcp" for a direct transfer'] }]);
    if (!FILE_HASH_PATTERN.test(dto.hash)) {
      throw validationError([{ field: 'hash', problems: ['must be "sha256:" followed by the 64 lower-case hex digits of the whole file'] }]);
    }
    const fileName = dto.file_name.normalize('NFC');
    if (fileName.length > MAX_FILE_NAME_LENGTH) throw validationError([{ field: 'file_name', problems: [`must be at most ${MAX_FILE_NAME_LENGTH} characters once normalised to Unicode NFC`] }]);
    if (dto.file_size > this.config.maxBytes) {
      throw new ProtocolError('FILE_TOO_LARGE', `file_size ${dto.file_size} exceeds the limit of ${this.config.maxBytes} bytes (FILE_MAX_BYTES)`);
    }
    // Exists, not blocked, DIRECT_MESSAGE_POLICY: what a passive offer to this user is checked for.
    await this.sharing.assertTarget(senderId, dto.target);
    const now = Date.now();
    const row = Object.assign(new FileDirectTransferEntity(), {
      id: `${DIRECT_PREFIX}${randomBytes(12).toString('hex')}`,
      senderId,
      recipientId: dto.target.id,
      fileName,
      fileSize: dto.file_size,
      sha256: dto.hash.slice('sha256:'.length),
      state: 'offered' as const,
      senderDoneAt: null,
      recipientDoneAt: null,
      createdAt: now,
      updatedAt: now,
    });
    await this.repository.insert(row);
    // 32 random bytes, told to the two parties only and never stored: the sender's listener checks it.
    const token = randomBytes(32).toString('base64url');
    const common = {
      status: 200,
      transfer_id: row.id,
      mode: 'active',
      endpoint: { host: dto.endpoint.host, port: dto.endpoint.port, protocol: 'tcp' },
      token,
      chunk_size: this.config.chunkSize,
      resume_offset: 0,
      file_size: row.fileSize,
      hash: `sha256:${row.sha256}`,
      window_bytes: this.config.windowBytes,
      fallback_after_ms: this.config.activeTimeoutMs,
    };
    await this.publisher.toUsers([row.recipientId], FileCommands.ACCEPT.name, { ...common, direction: 'download', from: senderId, file_name: fileName, ...(dto.mime ? { mime: dto.mime } : {}) });
    return { ...common, direction: 'upload' };
  }

  private async mine(userId: string, id: string): Promise<{ row: FileDirectTransferEntity; side: 'sender' | 'recipient' }> {
    const row = await this.repository.find(id);
    if (!row || (row.senderId !== userId && row.recipientId !== userId)) throw notFound(id);
    return { row, side: row.senderId === userId ? 'sender' : 'recipient' };
  }

  /** file/ack: the state; with state "complete", records this side's completion first. */
  async ack(userId: string, id: string, complete: boolean): Promise<Record<string, unknown>> {
    const mine = await this.mine(userId, id);
    const side = mine.side;
    let row = mine.row;
    if (complete) {
      if (row.state === 'cancelled') throw new ProtocolError('TRANSFER_CLOSED', `transfer ${id} was cancelled (the file goes through the server instead); nothing to complete`);
      const now = Date.now();
      await this.repository.markDone(id, side, now);
      row = (await this.repository.find(id))!;
      if (row.senderDoneAt !== null && row.recipientDoneAt !== null && (await this.repository.transition(id, 'offered', 'complete', now))) {
        row.state = 'complete';
        await this.publisher.toUsers([row.senderId, row.recipientId], FileCommands.ACK.name, this.view(row));
      }
    }
    return this.view(row);
  }

  /** file/cancel by either side: the other is told (file/cancel event) and falls back to passive. */
  async cancel(userId: string, id: string, reason?: string): Promise<Record<string, unknown>> {
    const { row, side } = await this.mine(userId, id);
    if (row.state === 'cancelled') return { status: 200, transfer_id: id, state: 'cancelled' };
    if (row.state === 'complete') throw new ProtocolError('TRANSFER_CLOSED', `transfer ${id} already ended (complete); nothing to cancel`);
    if (await this.repository.transition(id, 'offered', 'cancelled', Date.now())) {
      const other = side === 'sender' ? row.recipientId : row.senderId;
      await this.publisher.toUsers([other], FileCommands.CANCEL.name, { status: 200, transfer_id: id, state: 'cancelled', by: 'client', reason: reason ?? `cancelled by the ${side}` });
    }
    return { status: 200, transfer_id: id, state: 'cancelled' };
  }

  private view(row: FileDirectTransferEntity): Record<string, unknown> {
    return {
      status: 200,
      transfer_id: row.id,
      mode: 'active',
      state: row.state,
      offset: row.state === 'complete' ? row.fileSize : 0,
      sender_done: row.senderDoneAt !== null,
      recipient_done: row.recipientDoneAt !== null,
    };
  }
}

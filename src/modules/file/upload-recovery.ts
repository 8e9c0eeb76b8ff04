/**
 * Upload recovery at OPEN (#18.7): the data channel stores offset = file_size once an upload's
 * hash verified, then renames the partial file into the blob store, then records the file. A
 * crash between the rename and the database update left a transfer whose partial file is gone;
 * this finishes it, or restarts it when nothing proves the bytes were the caller's.
 */
import { Injectable, Logger } from '@nestjs/common';
import { ProtocolError } from '../../shared/protocol';
import type { FileTransferEntity } from './entities/file-transfer.entity';
import { FileService } from './file.service';
import { FileStorage } from './storage/file-storage';
import { HeldLease, TransferLease } from './transfer-lease';

@Injectable()
export class UploadRecovery {
  private readonly logger = new Logger('FileDataChannel');

  constructor(
    private readonly files: FileService,
    private readonly storage: FileStorage,
    private readonly lease: TransferLease,
  ) {}

  /**
   * Before an upload is (re)opened: does its partial file hold the durable offset? When it does
   * not, a crash interrupted the commit or data was lost (#18.7):
   * - durable offset = file_size means every byte was verified; if the content is stored, the
   *   rename happened and only the database step is missing: 'finished' (done here);
   * - otherwise nothing proves the caller sent these bytes (the content may be someone else's),
   *   so the transfer restarts from 0 under this connection's lease: 'resume'.
   */
  async recover(transfer: FileTransferEntity, lease: HeldLease): Promise<'resume' | 'finished'> {
    if ((await this.storage.partialSize(transfer.id)) >= transfer.offset) return 'resume';
    if (transfer.offset === transfer.fileSize && (await this.storage.blobSize(transfer.sha256)) === transfer.fileSize) {
      await this.files.finishUpload(transfer);
      return 'finished';
    }
    this.logger.warn(`transfer ${transfer.id}: partial data is shorter than the durable offset ${transfer.offset}; restarting it from 0`);
    if (!(await this.lease.saveOffset(lease, 0))) throw new ProtocolError('TRANSFER_CLOSED', `transfer ${transfer.id} has ended; request a new one`);
    await this.storage.deletePartial(transfer.id);
    transfer.offset = 0;
    return 'resume';
  }
}

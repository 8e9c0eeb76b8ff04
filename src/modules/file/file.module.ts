import { Module } from '@nestjs/common';
import { fileConfig, FileConfig } from './file.config';
import { AuthModule } from '../auth';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ContactModule } from '../contact';
import { ConversationModule } from '../conversation';
import { MessageModule } from '../message';
import { FileShareEntity } from './entities/file-share.entity';
import { FileTransferEntity } from './entities/file-transfer.entity';
import { FileDirectTransferEntity } from './entities/file-direct-transfer.entity';
import { FileUserLockEntity } from './entities/file-user-lock.entity';
import { StoredFileEntity } from './entities/stored-file.entity';
import { DataConnectionGuard } from './data-connection-guard';
import { DirectTransferRepository } from './direct-transfer.repository';
import { DirectTransferService } from './direct-transfer.service';
import { FileDataChannel } from './file-data-channel';
import { FileShareCheck } from './file-share.check';
import { FileSharingService } from './file-sharing.service';
import { FileHandler } from './file.handler';
import { FileRepository } from './file.repository';
import { FileService } from './file.service';
import { FileStorage } from './storage/file-storage';
import { LocalFileStorage } from './storage/local-file-storage';
import { StorageSpace } from './storage-space';
import { TransferLease } from './transfer-lease';
import { TransferLinks } from './transfer-links';
import { TransferNotices } from './transfer-notices';
import { UploadRecovery } from './upload-recovery';

export const FILE_ENTITIES = [StoredFileEntity, FileTransferEntity, FileShareEntity, FileUserLockEntity, FileDirectTransferEntity];

/**
 * File transfers (draft §2.4): file/request, file/accept, file/ack, file/cancel on the control
 * channel; the bytes on the TLV data channel (FILE_PORT) served through the transport; content
 * stored once by sha256 behind the FileStorage port; finished uploads shared as file-ref messages.
 */
@Module({
  imports: [AuthModule, ConversationModule, ContactModule, MessageModule, TypeOrmModule.forFeature(FILE_ENTITIES)],
  controllers: [FileHandler],
  providers: [
    FileRepository,
    FileService,
    FileSharingService,
    DirectTransferRepository,
    DirectTransferService,
    FileDataChannel,
    DataConnectionGuard,
    StorageSpace,
    UploadRecovery,
    TransferLinks,
    TransferLease,
    TransferNotices,
    {
      provide: FileStorage,
      inject: [fileConfig.token],
      useFactory: async (config: FileConfig) => {
        const storage = new LocalFileStorage(config.storageDir);
        await storage.init();
        return storage;
      },
    },
    FileShareCheck,
  ],
  exports: [FileSharingService],
})
export class FileModule {}

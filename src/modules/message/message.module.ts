import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { UsersService } from '../auth/users.service';
import { HistoryService } from './history.service';
import { MessageMetrics } from './message-metrics';
import { MessageHandler } from './message.handler';
import { MessageRepository } from './message.repository';
import { MessageService } from './message.service';
import { OfflineDeliveryService } from './offline-delivery.service';
import { PushSequencer } from './push-sequencer';
import { ReceiptService } from './receipt.service';
import { UserDirectory } from './user-directory';

/**
 * Messages: send (1:1, group, broadcast) with per-conversation seqs and idempotent retries,
 * live push, receipts, offline batches, history and sync. Groups themselves are the group
 * module's; this module reads their membership rows.
 */
@Module({
  imports: [AuthModule],
  controllers: [MessageHandler],
  providers: [
    MessageRepository,
    MessageService,
    ReceiptService,
    HistoryService,
    OfflineDeliveryService,
    PushSequencer,
    MessageMetrics,
    { provide: UserDirectory, useExisting: UsersService },
  ],
  exports: [MessageService, MessageMetrics],
})
export class MessageModule {}

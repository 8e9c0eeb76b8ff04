import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth';
import { UsersService } from '../auth';
import { ConversationModule } from '../conversation';
import { MessageEntity } from './entities/message.entity';
import { ContactGate } from '../contact';
import { ContactModule } from '../contact';
import { DirectMessageGate } from './direct-message-gate';
import { HistoryService } from './history.service';
import { MessageMetrics } from './message.metrics';
import { MessageHandler } from './message.handler';
import { MessageRepository } from './message.repository';
import { MessageSendChecks } from './message-send-checks';
import { MessageService } from './message.service';
import { MessageWriter } from './message-writer';
import { ConversationStream } from './conversation-stream.service';
import { MessageLookup } from './message-lookup.service';
import { MessageChangeService } from './message-change.service';
import { MessageRecallHooks } from './message-recall-hooks';
import { MessageViewDecorators } from './message-view-decorators';
import { MessageThreads } from './message-threads';
import { OfflineDeliveryService } from './offline-delivery.service';
import { ReceiptService } from './receipt.service';
import { MessageSummaries } from './message-summaries.service';
import { MessageSummaryRepository } from './message-summary.repository';
import { fastSendMessageRequest } from './send-request-fast-path';
import { registerFastPayloadCheck } from '../../common/pipes/fast-payload-validators';
import { SendMessageRequest } from '../../shared/protocol/messages/message.messages';
import { UserDirectory } from './user-directory';
import { MessageSearchRepository } from './message-search.repository';
import { MessageSearchService } from './message-search.service';
import { CommittedEntries, CommittedEntrySource } from './committed-entries';
import { MessageSearchIndexer } from './message-search-indexer';

/**
 * Messages: send (1:1, group, broadcast) with per-conversation seqs and idempotent retries,
 * live push, receipts, offline batches, history and sync. Conversations and memberships are the
 * conversation module's; the write path bumps their seq counter and receipt positions in its own
 * transaction through the entities that module exports.
 */
export const MESSAGE_ENTITIES = [MessageEntity];

@Module({
  imports: [AuthModule, ConversationModule, ContactModule, TypeOrmModule.forFeature(MESSAGE_ENTITIES)],
  controllers: [MessageHandler],
  providers: [
    MessageRepository,
    MessageService,
    ReceiptService,
    HistoryService,
    OfflineDeliveryService,
    MessageWriter,
    MessageMetrics,
    MessageSendChecks,
    ConversationStream,
    MessageLookup,
    MessageChangeService,
    MessageRecallHooks,
    MessageViewDecorators,
    MessageSummaries,
    MessageSummaryRepository,
    MessageThreads,
    MessageSearchRepository,
    MessageSearchService,
    CommittedEntries,
    { provide: CommittedEntrySource, useExisting: MessageRepository },
    MessageSearchIndexer,
    { provide: UserDirectory, useExisting: UsersService },
    { provide: DirectMessageGate, useExisting: ContactGate },
  ],
  exports: [MessageService, MessageMetrics, MessageSendChecks, ConversationStream, MessageLookup, MessageRecallHooks, MessageViewDecorators, MessageSummaries, ReceiptService, CommittedEntries],
})
export class MessageModule {
  constructor() {
    // message/send is the hot payload: valid ones skip class-transformer + class-validator.
    registerFastPayloadCheck(SendMessageRequest, fastSendMessageRequest);
  }
}

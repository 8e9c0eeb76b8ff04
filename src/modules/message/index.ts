/** The message module's public API: what other modules may import from it. */
export { MessageEntity } from './entities/message.entity';
export { directConversationId, toWire } from './message.mapper';
export type { StoredMessage } from './message.mapper';
export { MessageMetrics } from './message.metrics';
export { MessageModule } from './message.module';
export { MessageService } from './message.service';
export { MessageSendChecks } from './message-send-checks';
export type { SendCheck, SendCheckContext } from './message-send-checks';
export { ConversationStream, STREAM_KIND_PATTERN } from './conversation-stream.service';
export type { AppendedEntry, StreamEntry } from './conversation-stream.service';
export { MessageLookup } from './message-lookup.service';
export type { MessageRef } from './message-lookup.service';
export { MessageRecallHooks } from './message-recall-hooks';
export type { RecalledMessage, RecallHook } from './message-recall-hooks';
export { EDITED_KIND, RECALLED_KIND } from './message-change.service';
export { MessageViewDecorators } from './message-view-decorators';
export type { MessageViewDecorator } from './message-view-decorators';

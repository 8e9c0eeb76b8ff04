/** The conversation module's public API: what other modules may import from it. */
export { ConversationModule } from './conversation.module';
export { ConversationRepository, MembershipTx } from './conversation.repository';
export { ConversationInboxRepository, MUTED_FOREVER } from './conversation-inbox.repository';
export type { InboxCursor, InboxRow } from './conversation-inbox.repository';
export type { ConversationRecord, MemberRecord, Membership, NewConversation, ReceiptMove } from './conversation.repository';
export type { MemberRole } from './entities/conversation-member.entity';
export type { ConversationKind } from './entities/conversation.entity';
export { postgresConversationWriteSql, sqliteConversationWriteSql } from './conversation-write-sql';
export type { PostgresConversationWriteSql, SqliteConversationWriteSql } from './conversation-write-sql';

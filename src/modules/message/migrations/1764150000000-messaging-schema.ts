import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * Messages. Portable column types only. (Until the conversation module took ownership of its
 * tables, this baseline also created `conversations` and `conversation_members`; on a database
 * created then, those stay as they are and ConversationsSchema1764610000000 finds them. Its
 * earlier text is kept in test/support/previous-release/ to build such a database.)
 */
export class MessagingSchema1764150000000 implements MigrationInterface {
  name = 'MessagingSchema1764150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'messages',
        columns: [
          { name: 'id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'conversation_id', type: 'varchar', length: '64' },
          { name: 'seq', type: 'integer' },
          { name: 'sender_id', type: 'varchar', length: '64' },
          { name: 'client_msg_id', type: 'varchar', length: '128' },
          { name: 'content_hash', type: 'varchar', length: '64' },
          { name: 'content', type: 'text' },
          { name: 'attachments', type: 'text' },
          { name: 'meta', type: 'text' },
          { name: 'sent_at', type: 'bigint' },
        ],
      }),
    );
    await q.createIndex('messages', new TableIndex({ name: 'IDX_messages_conversation_seq', columnNames: ['conversation_id', 'seq'], isUnique: true }));
    await q.createIndex('messages', new TableIndex({ name: 'IDX_messages_sender_client_id', columnNames: ['sender_id', 'client_msg_id'], isUnique: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('messages');
  }
}

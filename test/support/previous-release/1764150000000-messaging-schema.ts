/**
 * The message module's baseline migration as the release before issue #19 shipped it (it also
 * created the conversation module's tables): test/e2e/ops/migration-forward.e2e-spec.ts builds a
 * database of that release with it and migrates it forward. Never change it.
 */
import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** Conversations, memberships (with receipt positions) and messages. Portable column types only. */
export class MessagingSchema1764150000000 implements MigrationInterface {
  name = 'MessagingSchema1764150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'conversations',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'name', type: 'varchar', length: '200', isNullable: true },
          { name: 'owner_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'last_seq', type: 'integer', default: 0 },
          { name: 'history_visibility', type: 'varchar', length: '16', default: "'joined'" },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'conversation_members',
        columns: [
          { name: 'conversation_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'role', type: 'varchar', length: '16', default: "'member'" },
          { name: 'joined_seq', type: 'integer', default: 0 },
          { name: 'delivered_seq', type: 'integer', default: 0 },
          { name: 'read_seq', type: 'integer', default: 0 },
          { name: 'joined_at', type: 'bigint' },
        ],
      }),
    );
    await q.createIndex('conversation_members', new TableIndex({ name: 'IDX_conversation_members_user', columnNames: ['user_id'] }));
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
    await q.dropTable('conversation_members');
    await q.dropTable('conversations');
  }
}

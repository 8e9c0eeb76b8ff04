import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * The conversation module's own tables: `conversations` and `conversation_members` (membership
 * with the read/delivery positions). Until this migration they were created by the message
 * module's baseline (MessagingSchema1764150000000, which now creates `messages` only).
 *
 * Forward from a database of that earlier release: the tables are there with every row, in the
 * same shape, so nothing is created, copied or dropped — only the ownership moved (checked by
 * test/e2e/ops/migration-forward.e2e-spec.ts on both engines). A new database gets them here.
 */
export class ConversationsSchema1764610000000 implements MigrationInterface {
  name = 'ConversationsSchema1764610000000';

  async up(q: QueryRunner): Promise<void> {
    if (!(await q.hasTable('conversations'))) {
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
    }
    if (!(await q.hasTable('conversation_members'))) {
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
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('conversation_members');
    await q.dropTable('conversations');
  }
}

import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** Durable notifications waiting for their user's ack. Portable column types only. */
export class NotificationsSchema1764190001000 implements MigrationInterface {
  name = 'NotificationsSchema1764190001000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'notifications',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '40' },
          { name: 'type', type: 'varchar', length: '64' },
          { name: 'about_user_id', type: 'varchar', length: '40', isNullable: true },
          { name: 'payload', type: 'text' },
          { name: 'created_at', type: 'bigint' },
        ],
      }),
    );
    await q.createIndex('notifications', new TableIndex({ name: 'IDX_notifications_user_created', columnNames: ['user_id', 'created_at', 'id'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('notifications');
  }
}

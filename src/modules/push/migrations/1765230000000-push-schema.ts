import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** Push devices, preferences, the outbox and the recovery watermarks (push module). */
export class PushSchema1765230000000 implements MigrationInterface {
  name = 'PushSchema1765230000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'push_devices',
        columns: [
          { name: 'id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '64' },
          { name: 'session_id', type: 'varchar', length: '64' },
          { name: 'platform', type: 'varchar', length: '16' },
          { name: 'token', type: 'text' },
          { name: 'token_hash', type: 'varchar', length: '64' },
          { name: 'app_id', type: 'varchar', length: '200', isNullable: true },
          { name: 'locale', type: 'varchar', length: '35', isNullable: true },
          { name: 'created_at', type: 'bigint' },
        ],
      }),
    );
    await q.createIndex('push_devices', new TableIndex({ name: 'IDX_push_devices_token_hash', columnNames: ['token_hash'], isUnique: true }));
    await q.createIndex('push_devices', new TableIndex({ name: 'IDX_push_devices_user', columnNames: ['user_id'] }));
    await q.createIndex('push_devices', new TableIndex({ name: 'IDX_push_devices_session', columnNames: ['session_id'] }));
    await q.createTable(
      new Table({
        name: 'push_settings',
        columns: [
          { name: 'user_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'level', type: 'varchar', length: '16' },
          { name: 'quiet_start', type: 'integer', isNullable: true },
          { name: 'quiet_end', type: 'integer', isNullable: true },
          { name: 'time_zone', type: 'varchar', length: '64', isNullable: true },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'push_outbox',
        columns: [
          { name: 'id', type: 'varchar', length: '120', isPrimary: true },
          { name: 'device_id', type: 'varchar', length: '40' },
          { name: 'user_id', type: 'varchar', length: '64' },
          { name: 'conversation_id', type: 'varchar', length: '64' },
          { name: 'queued_seq', type: 'integer' },
          { name: 'sent_seq', type: 'integer' },
          { name: 'pending', type: 'integer' },
          { name: 'mention', type: 'integer' },
          { name: 'sender_id', type: 'varchar', length: '64' },
          { name: 'message_id', type: 'varchar', length: '40' },
          { name: 'due_at', type: 'bigint', isNullable: true },
          { name: 'last_sent_at', type: 'bigint' },
          { name: 'claim', type: 'varchar', length: '40', isNullable: true },
          { name: 'claimed_until', type: 'bigint' },
          { name: 'attempts', type: 'integer' },
          { name: 'last_error', type: 'varchar', length: '200', isNullable: true },
        ],
      }),
    );
    await q.createIndex('push_outbox', new TableIndex({ name: 'IDX_push_outbox_due', columnNames: ['due_at'] }));
    await q.createIndex('push_outbox', new TableIndex({ name: 'IDX_push_outbox_device', columnNames: ['device_id'] }));
    await q.createIndex('push_outbox', new TableIndex({ name: 'IDX_push_outbox_claim', columnNames: ['claim'] }));
    await q.createTable(
      new Table({
        name: 'push_cursors',
        columns: [
          { name: 'node_id', type: 'varchar', length: '100', isPrimary: true },
          { name: 'watermark', type: 'varchar', length: '40' },
          { name: 'beat_at', type: 'bigint' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('push_cursors');
    await q.dropTable('push_outbox');
    await q.dropTable('push_settings');
    await q.dropTable('push_devices');
  }
}

import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** Direct (mode "active") transfers: brokered, never stored (file-direct-transfer.entity.ts). Portable column types only. */
export class FileDirectTransfers1765100000000 implements MigrationInterface {
  name = 'FileDirectTransfers1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'file_direct_transfers',
        columns: [
          { name: 'id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'sender_id', type: 'varchar', length: '40' },
          { name: 'recipient_id', type: 'varchar', length: '40' },
          { name: 'file_name', type: 'varchar', length: '255' },
          { name: 'file_size', type: 'bigint' },
          { name: 'sha256', type: 'varchar', length: '64' },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'sender_done_at', type: 'bigint', isNullable: true },
          { name: 'recipient_done_at', type: 'bigint', isNullable: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
    await q.createIndex('file_direct_transfers', new TableIndex({ name: 'idx_file_direct_recipient', columnNames: ['recipient_id'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('file_direct_transfers');
  }
}

import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** File transfers (src/modules/file): finished files, transfer state, shares. Portable column types only. */
export class FileSchema1764180000000 implements MigrationInterface {
  name = 'FileSchema1764180000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'files',
        columns: [
          { name: 'id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'sha256', type: 'varchar', length: '64' },
          { name: 'size', type: 'bigint' },
          { name: 'name', type: 'varchar', length: '255' },
          { name: 'mime', type: 'varchar', length: '128', isNullable: true },
          { name: 'uploader_id', type: 'varchar', length: '40' },
          { name: 'created_at', type: 'bigint' },
        ],
      }),
    );
    await q.createIndex('files', new TableIndex({ name: 'IDX_files_uploader', columnNames: ['uploader_id'] }));
    await q.createIndex('files', new TableIndex({ name: 'IDX_files_sha256', columnNames: ['sha256'] }));
    await q.createTable(
      new Table({
        name: 'file_transfers',
        columns: [
          { name: 'id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '40' },
          { name: 'direction', type: 'varchar', length: '8' },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'file_id', type: 'varchar', length: '40', isNullable: true },
          { name: 'file_name', type: 'varchar', length: '255' },
          { name: 'file_size', type: 'bigint' },
          { name: 'sha256', type: 'varchar', length: '64' },
          { name: 'mime', type: 'varchar', length: '128', isNullable: true },
          { name: 'target_type', type: 'varchar', length: '8', isNullable: true },
          { name: 'target_id', type: 'varchar', length: '128', isNullable: true },
          { name: 'durable_offset', type: 'bigint' },
          { name: 'chunk_size', type: 'integer' },
          { name: 'key_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'error_code', type: 'varchar', length: '32', isNullable: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
    await q.createIndex('file_transfers', new TableIndex({ name: 'IDX_file_transfers_user_state', columnNames: ['user_id', 'state'] }));
    await q.createIndex('file_transfers', new TableIndex({ name: 'IDX_file_transfers_state_updated', columnNames: ['state', 'updated_at'] }));
    await q.createTable(
      new Table({
        name: 'file_shares',
        columns: [
          { name: 'file_id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'conversation_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'shared_at', type: 'bigint' },
        ],
      }),
    );
    await q.createIndex('file_shares', new TableIndex({ name: 'IDX_file_shares_conversation', columnNames: ['conversation_id'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('file_shares');
    await q.dropTable('file_transfers');
    await q.dropTable('files');
  }
}

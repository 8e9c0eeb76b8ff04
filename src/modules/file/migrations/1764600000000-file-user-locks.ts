import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/** Per-user lock rows for quota and slot decisions across nodes (file-user-lock.entity.ts). Portable column types only. */
export class FileUserLocks1764600000000 implements MigrationInterface {
  name = 'FileUserLocks1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'file_user_locks',
        columns: [
          { name: 'user_id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'locked_at', type: 'bigint' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('file_user_locks');
  }
}

import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * The upload lease (transfer-lease.ts): which data connection, on which node, may append to a
 * transfer's partial file, and until when. Portable column types only (SQLite and PostgreSQL).
 */
export class FileTransferLease1764400000000 implements MigrationInterface {
  name = 'FileTransferLease1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('file_transfers', [
      new TableColumn({ name: 'lease_owner', type: 'varchar', length: '96', isNullable: true }),
      new TableColumn({ name: 'lease_until', type: 'bigint', isNullable: true }),
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('file_transfers', 'lease_until');
    await q.dropColumn('file_transfers', 'lease_owner');
  }
}

import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/** users.status_text: the stored status line the directory shows (user/profile). */
export class UserStatusText1764190002000 implements MigrationInterface {
  name = 'UserStatusText1764190002000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('users', new TableColumn({ name: 'status_text', type: 'varchar', length: '140', isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('users', 'status_text');
  }
}

import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** Company sign-in: provider subjects linked to users, and used OIDC nonces. */
export class IdentitySchema1765250000000 implements MigrationInterface {
  name = 'IdentitySchema1765250000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'identities',
        columns: [
          { name: 'provider', type: 'varchar', length: '32', isPrimary: true },
          { name: 'subject', type: 'varchar', length: '255', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '40' },
          { name: 'external_username', type: 'varchar', length: '255', isNullable: true },
          { name: 'email', type: 'varchar', length: '255', isNullable: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'last_login_at', type: 'bigint' },
          { name: 'disabled_at', type: 'bigint', isNullable: true },
        ],
      }),
    );
    await q.createIndex('identities', new TableIndex({ name: 'IDX_identities_user', columnNames: ['user_id'] }));
    await q.createTable(
      new Table({
        name: 'oidc_used_nonces',
        columns: [
          { name: 'nonce_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'expires_at', type: 'bigint' },
        ],
      }),
    );
    await q.createIndex('oidc_used_nonces', new TableIndex({ name: 'IDX_oidc_used_nonces_expires_at', columnNames: ['expires_at'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('oidc_used_nonces');
    await q.dropTable('identities');
  }
}

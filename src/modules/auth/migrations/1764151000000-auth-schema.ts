import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** Accounts, login sessions and retired refresh-token hashes. Portable column types only. */
export class AuthSchema1764151000000 implements MigrationInterface {
  name = 'AuthSchema1764151000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'users',
        columns: [
          { name: 'id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'username', type: 'varchar', length: '32' },
          { name: 'username_normalized', type: 'varchar', length: '32' },
          { name: 'display_name', type: 'varchar', length: '64' },
          { name: 'role', type: 'varchar', length: '16', default: "'user'" },
          { name: 'password_hash', type: 'varchar', length: '255' },
          { name: 'created_at', type: 'bigint' },
          { name: 'disabled_at', type: 'bigint', isNullable: true },
        ],
      }),
    );
    await q.createIndex('users', new TableIndex({ name: 'IDX_users_username_normalized', columnNames: ['username_normalized'], isUnique: true }));
    await q.createTable(
      new Table({
        name: 'sessions',
        columns: [
          { name: 'id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '40' },
          { name: 'device', type: 'varchar', length: '64' },
          { name: 'client_version', type: 'varchar', length: '64', isNullable: true },
          { name: 'remote_address', type: 'varchar', length: '64', isNullable: true },
          { name: 'refresh_hash', type: 'varchar', length: '64' },
          { name: 'refresh_generation', type: 'integer', default: 0 },
          { name: 'created_at', type: 'bigint' },
          { name: 'last_used_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
          { name: 'revoked_at', type: 'bigint', isNullable: true },
          { name: 'revoked_reason', type: 'varchar', length: '32', isNullable: true },
        ],
      }),
    );
    await q.createIndex('sessions', new TableIndex({ name: 'IDX_sessions_user', columnNames: ['user_id'] }));
    await q.createIndex('sessions', new TableIndex({ name: 'IDX_sessions_refresh_hash', columnNames: ['refresh_hash'], isUnique: true }));
    await q.createIndex('sessions', new TableIndex({ name: 'IDX_sessions_revoked_at', columnNames: ['revoked_at'] }));
    await q.createTable(
      new Table({
        name: 'retired_refresh_tokens',
        columns: [
          { name: 'token_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'session_id', type: 'varchar', length: '40' },
          { name: 'retired_at', type: 'bigint' },
        ],
      }),
    );
    await q.createIndex('retired_refresh_tokens', new TableIndex({ name: 'IDX_retired_refresh_tokens_session', columnNames: ['session_id'] }));
    await q.createIndex('retired_refresh_tokens', new TableIndex({ name: 'IDX_retired_refresh_tokens_retired_at', columnNames: ['retired_at'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('retired_refresh_tokens');
    await q.dropTable('sessions');
    await q.dropTable('users');
  }
}

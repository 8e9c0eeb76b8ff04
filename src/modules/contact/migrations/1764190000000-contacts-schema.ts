import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** Contacts (one row per side of a relation) and blocks. Portable column types only. */
export class ContactsSchema1764190000000 implements MigrationInterface {
  name = 'ContactsSchema1764190000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'contacts',
        columns: [
          { name: 'owner_id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'peer_id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'note', type: 'varchar', length: '200', isNullable: true },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
    await q.createIndex('contacts', new TableIndex({ name: 'IDX_contacts_owner_state', columnNames: ['owner_id', 'state', 'peer_id'] }));
    await q.createTable(
      new Table({
        name: 'contact_blocks',
        columns: [
          { name: 'blocker_id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'blocked_id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'created_at', type: 'bigint' },
        ],
      }),
    );
    await q.createIndex('contact_blocks', new TableIndex({ name: 'IDX_contact_blocks_blocked', columnNames: ['blocked_id', 'blocker_id'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('contact_blocks');
    await q.dropTable('contacts');
  }
}

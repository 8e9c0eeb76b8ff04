import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/** Pinned messages (pin module). The primary key (conversation_id, seq) also serves pin/list. */
export class PinSchema1764623000000 implements MigrationInterface {
  name = 'PinSchema1764623000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'message_pins',
        columns: [
          { name: 'conversation_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'seq', type: 'integer', isPrimary: true },
          { name: 'message_id', type: 'varchar', length: '40' },
          { name: 'pinned_by', type: 'varchar', length: '64' },
          { name: 'pinned_at', type: 'bigint' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('message_pins');
  }
}

import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** Reactions on messages (reaction module). Portable column types only, explicit index names. */
export class ReactionSchema1764622000000 implements MigrationInterface {
  name = 'ReactionSchema1764622000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'message_reactions',
        columns: [
          { name: 'conversation_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'seq', type: 'integer', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'emoji', type: 'varchar', length: '64', isPrimary: true },
          { name: 'reacted_at', type: 'bigint' },
        ],
      }),
    );
    await q.createIndex('message_reactions', new TableIndex({ name: 'IDX_message_reactions_message', columnNames: ['conversation_id', 'seq'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('message_reactions');
  }
}

import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** Polls and their votes (sample module). Portable column types only, explicit index names. */
export class PollSchema1764170000000 implements MigrationInterface {
  name = 'PollSchema1764170000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'polls',
        columns: [
          { name: 'id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'conversation_id', type: 'varchar', length: '64' },
          { name: 'creator_id', type: 'varchar', length: '40' },
          { name: 'question', type: 'varchar', length: '300' },
          { name: 'options', type: 'text' },
          { name: 'created_at', type: 'bigint' },
        ],
      }),
    );
    await q.createIndex('polls', new TableIndex({ name: 'IDX_polls_conversation', columnNames: ['conversation_id'] }));
    await q.createTable(
      new Table({
        name: 'poll_votes',
        columns: [
          { name: 'poll_id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'option_index', type: 'integer' },
          { name: 'voted_at', type: 'bigint' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('poll_votes');
    await q.dropTable('polls');
  }
}

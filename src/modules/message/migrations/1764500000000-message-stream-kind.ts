import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * `messages.kind`: the conversation's ordered stream carries module-defined entries besides
 * messages (ConversationStream). Every existing row is a message: the default says so.
 */
export class MessageStreamKind1764500000000 implements MigrationInterface {
  name = 'MessageStreamKind1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('messages', new TableColumn({ name: 'kind', type: 'varchar', length: '64', default: "'message'" }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('messages', 'kind');
  }
}

import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * `IDX_messages_conversation_ref` covers only the rows that refer to another entry (edits,
 * reactions, pins, thread replies): a plain message (ref_seq NULL, nearly every row) no longer
 * pays for it on insert — message/send's hot path keeps exactly the indexes it had.
 */
export class MessageRefPartialIndex1764624000000 implements MigrationInterface {
  name = 'MessageRefPartialIndex1764624000000';

  async up(q: QueryRunner): Promise<void> {
    await q.dropIndex('messages', 'IDX_messages_conversation_ref');
    await q.createIndex('messages', new TableIndex({ name: 'IDX_messages_conversation_ref', columnNames: ['conversation_id', 'ref_seq', 'seq'], where: '"ref_seq" IS NOT NULL' }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('messages', 'IDX_messages_conversation_ref');
    await q.createIndex('messages', new TableIndex({ name: 'IDX_messages_conversation_ref', columnNames: ['conversation_id', 'ref_seq', 'seq'] }));
  }
}

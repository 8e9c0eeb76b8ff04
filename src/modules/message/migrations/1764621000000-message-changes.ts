import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

/**
 * Messages that change through the conversation's stream (message/edit, message/recall) and
 * entries about another entry (edits, reactions, pins, thread replies):
 * - `edited_at`, `edit_count`, `edit_seq` (the seq of the newest edit applied, so concurrent
 *   edits converge on the one the stream ordered last);
 * - `recalled_by`, `recalled_at`: the tombstone of a recalled message (its content is erased);
 * - `ref_seq`: the seq of the entry of the same conversation this one is about, indexed so the
 *   entries about one message (its edits, a thread's replies) are found without a scan.
 */
export class MessageChanges1764621000000 implements MigrationInterface {
  name = 'MessageChanges1764621000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('messages', [
      new TableColumn({ name: 'edited_at', type: 'bigint', isNullable: true }),
      new TableColumn({ name: 'edit_count', type: 'integer', default: 0 }),
      new TableColumn({ name: 'edit_seq', type: 'integer', isNullable: true }),
      new TableColumn({ name: 'recalled_by', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'recalled_at', type: 'bigint', isNullable: true }),
      new TableColumn({ name: 'ref_seq', type: 'integer', isNullable: true }),
    ]);
    await q.createIndex('messages', new TableIndex({ name: 'IDX_messages_conversation_ref', columnNames: ['conversation_id', 'ref_seq', 'seq'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('messages', 'IDX_messages_conversation_ref');
    for (const column of ['ref_seq', 'recalled_at', 'recalled_by', 'edit_seq', 'edit_count', 'edited_at']) await q.dropColumn('messages', column);
  }
}

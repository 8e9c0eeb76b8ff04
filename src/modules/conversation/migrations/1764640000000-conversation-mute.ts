import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * conversation/mute: `muted_until` on the member row (epoch ms; null = not muted; the far-future
 * MUTED_FOREVER = until unmuted). A muted conversation still counts unread; the push work skips
 * it except for mentions (ConversationRepository.mutedAmong).
 */
export class ConversationMute1764640000000 implements MigrationInterface {
  name = 'ConversationMute1764640000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('conversation_members', new TableColumn({ name: 'muted_until', type: 'bigint', isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('conversation_members', 'muted_until');
  }
}

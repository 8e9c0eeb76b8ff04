/**
 * A database created by the previous release's migrations (the message module's baseline then
 * also created `conversations` and `conversation_members`), holding groups, a direct
 * conversation, a broadcast, messages and receipt positions, migrated forward with today's set:
 * every row is kept exactly, messages are `kind = 'message'`, and the schema matches the entities
 * (no drift). Runs on the current engine (SQLite, or PostgreSQL with TEST_DATABASE_URL).
 */
import { DataSource } from 'typeorm';
import { APP_FEATURES } from '../../../src/app.features';
import { databaseConfig } from '../../../src/config/database.config';
import { buildDataSourceOptions } from '../../../src/database/data-source.options';
import { orderMigrations } from '../../../src/database/migration-order';
import { MessageEntity } from '../../../src/modules/message/entities/message.entity';
import { MessagingSchema1764150000000 as PreviousMessagingSchema } from '../../support/previous-release/1764150000000-messaging-schema';
import { createTestDatabase, TestDatabase, testEngine } from '../../support/test-db';

/** The previous release's last migration: everything after it is new since (issue #19 and later). */
const PREVIOUS_RELEASE_LAST = 1764400000000;
const stamp = (m: Function) => Number(/(\d{13})$/.exec(m.name)![1]);
const CURRENT = orderMigrations(APP_FEATURES.migrations);
const PREVIOUS = CURRENT.filter((m) => stamp(m) <= PREVIOUS_RELEASE_LAST).map((m) => (m.name === 'MessagingSchema1764150000000' ? PreviousMessagingSchema : m));

const TABLES = {
  conversations: 'id',
  conversation_members: 'conversation_id, user_id',
  messages: 'id',
} as const;

/** The quoted table name, schema-qualified on PostgreSQL (each test database is its own schema). */
function table(ds: DataSource, name: string): string {
  const schema = (ds.options as { schema?: string }).schema;
  return schema ? `${ds.driver.escape(schema)}.${ds.driver.escape(name)}` : ds.driver.escape(name);
}

async function rows(ds: DataSource): Promise<Record<string, Record<string, unknown>[]>> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const [name, order] of Object.entries(TABLES)) {
    const found = (await ds.query(`SELECT * FROM ${table(ds, name)} ORDER BY ${order}`)) as Record<string, unknown>[];
    // Same values whatever the driver returns for bigint (PostgreSQL: strings).
    out[name] = found.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v])));
  }
  return out;
}

describe(`forward migration from the previous release on ${testEngine()}`, () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('keeps every conversation, membership with its receipts and message, and ends with no drift', async () => {
    const options = buildDataSourceOptions(databaseConfig.parse(db.env), APP_FEATURES);
    const previous = new DataSource({ ...options, migrations: PREVIOUS, migrationsRun: false });
    await previous.initialize();
    expect((await previous.runMigrations({ transaction: 'each' })).map((m) => m.name)).toEqual(PREVIOUS.map((m) => m.name));
    const t = (name: string) => table(previous, name);
    const q = (sql: string) => previous.query(sql);
    await q(`INSERT INTO ${t('conversations')} (id, kind, name, owner_id, last_seq, history_visibility, created_at, updated_at) VALUES
      ('g-1', 'group', 'team', 'u-a', 3, 'joined', 1000, 3000),
      ('g-2', 'group', 'all history', 'u-b', 0, 'all', 1500, 1500),
      ('d-u-a-u-b', 'direct', NULL, NULL, 2, 'joined', 1100, 2100),
      ('broadcast', 'broadcast', NULL, NULL, 1, 'all', 1200, 1200)`);
    await q(`INSERT INTO ${t('conversation_members')} (conversation_id, user_id, role, joined_seq, delivered_seq, read_seq, joined_at) VALUES
      ('g-1', 'u-a', 'owner', 0, 3, 3, 1000),
      ('g-1', 'u-b', 'admin', 0, 2, 1, 1000),
      ('g-1', 'u-c', 'member', 2, 2, 2, 2500),
      ('g-2', 'u-b', 'owner', 0, 0, 0, 1500),
      ('d-u-a-u-b', 'u-a', 'member', 0, 2, 1, 1100),
      ('d-u-a-u-b', 'u-b', 'member', 0, 1, 0, 1100)`);
    const message = (id: string, conversation: string, seq: number, sender: string, text: string, at: number) =>
      `('${id}', '${conversation}', ${seq}, '${sender}', 'req-${id}', 'hash-${id}', '{"type":"text","text":"${text}"}', '[]', '{"priority":"normal"}', ${at})`;
    await q(`INSERT INTO ${t('messages')} (id, conversation_id, seq, sender_id, client_msg_id, content_hash, content, attachments, meta, sent_at) VALUES
      ${message('m-1', 'g-1', 1, 'u-a', 'one', 1001)}, ${message('m-2', 'g-1', 2, 'u-b', 'two', 2001)}, ${message('m-3', 'g-1', 3, 'u-c', 'three', 3000)},
      ${message('m-4', 'd-u-a-u-b', 1, 'u-a', 'hi', 1101)}, ${message('m-5', 'd-u-a-u-b', 2, 'u-b', 'hello', 2100)}, ${message('m-6', 'broadcast', 1, 'u-admin', 'news', 1200)}`);
    const before = await rows(previous);
    await previous.destroy();

    ds = new DataSource(options);
    await ds.initialize();
    const applied = (await ds.runMigrations({ transaction: 'each' })).map((m) => m.name);
    expect(applied).toEqual(CURRENT.filter((m) => stamp(m) > PREVIOUS_RELEASE_LAST).map((m) => m.name));
    expect(applied).toContain('ConversationsSchema1764610000000');
    expect(await ds.showMigrations()).toBe(false);
    expect((await ds.driver.createSchemaBuilder().log()).upQueries.map((x) => x.query)).toEqual([]);

    const after = await rows(ds);
    expect(after.conversations).toEqual(before.conversations);
    // Columns added since (conversation/mute's muted_until) are empty on every old row.
    const memberColumns = Object.keys(before.conversation_members[0]);
    expect(after.conversation_members.map((m) => Object.fromEntries(memberColumns.map((c) => [c, m[c]])))).toEqual(before.conversation_members);
    expect(after.conversation_members.map((m) => m.muted_until)).toEqual(before.conversation_members.map(() => null));
    // Columns added since keep their defaults: every old row is a message.
    const columns = Object.keys(before.messages[0]);
    expect(after.messages.map((m) => Object.fromEntries(columns.map((c) => [c, m[c]])))).toEqual(before.messages);
    expect(after.messages.map((m) => m.kind)).toEqual(before.messages.map(() => 'message'));
    // The app's entities read them back: messages, with their kind.
    const stored = await ds.getRepository(MessageEntity).find({ order: { id: 'ASC' } });
    expect(stored.map((m) => [m.id, m.seq, m.kind, (m.content as { text: string }).text])).toEqual([
      ['m-1', 1, 'message', 'one'],
      ['m-2', 2, 'message', 'two'],
      ['m-3', 3, 'message', 'three'],
      ['m-4', 1, 'message', 'hi'],
      ['m-5', 2, 'message', 'hello'],
      ['m-6', 1, 'message', 'news'],
    ]);
  });
});

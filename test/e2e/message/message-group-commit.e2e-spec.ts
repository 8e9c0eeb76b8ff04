/**
 * Group commit (MessageWriter) against the real database of the run (SQLite file, or PostgreSQL):
 * writes queued in one event-loop turn are stored by ONE transaction, mixing conversations, with
 * per-conversation seqs in arrival order; a statement failing inside a batch (a trigger here)
 * fails only its own message, the others are stored exactly once and take gap-free seqs; the
 * sender's membership and the recipients are read inside the write's transaction.
 */
import { DataSource } from 'typeorm';
import { ConversationRepository } from '../../../src/modules/conversation';
import { MessageEntity } from '../../../src/modules/message/entities/message.entity';
import { newMessageId } from '../../../src/modules/message/message-id';
import { directConversationId } from '../../../src/modules/message/message.mapper';
import { MessageWriter, NewMessage, WriteOutcome } from '../../../src/modules/message/message-writer';
import { LoggedInUser } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { createGroup, newUser } from './message-helpers';

describe('message write path: group commit', () => {
  let app: TestApp;
  let writer: MessageWriter;
  let dataSource: DataSource;
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  let carol: LoggedInUser;
  let group: string;
  let n = 0;

  beforeAll(async () => {
    app = await startTestApp();
    writer = app.app.get(MessageWriter);
    dataSource = app.app.get(DataSource);
    [alice, bob, carol] = [await newUser(app), await newUser(app), await newUser(app)];
    group = await createGroup(alice, [bob.userId, carol.userId]);
  });
  afterAll(async () => {
    await app?.close();
  });

  function message(from: LoggedInUser, to: { group: string } | { user: LoggedInUser }, text = `gc-${++n}`, clientMsgId = `gc-${n}-${newMessageId()}`): NewMessage {
    const direct = 'user' in to;
    return {
      id: newMessageId(),
      conversationId: direct ? directConversationId(from.userId, to.user.userId) : to.group,
      kind: direct ? 'direct' : 'group',
      directMembers: direct ? [from.userId, to.user.userId] : undefined,
      senderId: from.userId,
      clientMsgId,
      contentHash: `hash-${text}`,
      content: { type: 'text', text },
      attachments: [],
      meta: {},
    };
  }

  async function lastSeq(conversationId: string): Promise<number> {
    const rows = await dataSource.getRepository(MessageEntity).find({ where: { conversationId }, order: { seq: 'DESC' }, take: 1 });
    return rows[0]?.seq ?? 0;
  }

  async function storedCount(ids: string[]): Promise<number> {
    return dataSource.getRepository(MessageEntity).countBy(ids.map((id) => ({ id })));
  }

  const seqOf = (o: WriteOutcome) => (o.status === 'stored' ? o.stored.seq : -1);

  it('stores writes from several conversations in one transaction, seqs per conversation in arrival order', async () => {
    const ab = directConversationId(alice.userId, bob.userId);
    const bc = directConversationId(bob.userId, carol.userId);
    const before = { ab: await lastSeq(ab), bc: await lastSeq(bc), g: await lastSeq(group) };
    const batches = writer.stats.batches;
    // Queued in one turn, interleaving three conversations and three senders.
    const sends = [
      message(alice, { user: bob }),
      message(alice, { group }),
      message(bob, { user: carol }),
      message(carol, { group }),
      message(alice, { user: bob }),
      message(bob, { group }),
      message(bob, { user: carol }),
      message(alice, { user: bob }),
    ];
    const outcomes = await Promise.all(sends.map((m) => writer.write(m)));
    expect(writer.stats.batches).toBe(batches + 1);
    expect(outcomes.map((o) => o.status)).toEqual(sends.map(() => 'stored'));
    expect(outcomes.map(seqOf)).toEqual([before.ab + 1, before.g + 1, before.bc + 1, before.g + 2, before.ab + 2, before.g + 3, before.bc + 2, before.ab + 3]);
    const groupOutcome = outcomes[1] as Extract<WriteOutcome, { status: 'stored' }>;
    expect([...groupOutcome.recipients!].sort()).toEqual([alice.userId, bob.userId, carol.userId].sort());
    expect(await storedCount(sends.map((m) => m.id))).toBe(sends.length);
  });

  it('answers retries from storage inside the batch (stored, in-batch repeat, not stored twice)', async () => {
    const original = message(alice, { user: bob });
    const [first] = await Promise.all([writer.write(original)]);
    expect(first.status).toBe('stored');
    const retry = { ...original, id: newMessageId() };
    const fresh = message(alice, { user: bob });
    const repeat = { ...fresh, id: newMessageId() };
    const outcomes = await Promise.all([writer.write(retry), writer.write(fresh), writer.write(repeat)]);
    expect(outcomes.map((o) => o.status)).toEqual(['duplicate', 'stored', 'duplicate']);
    expect(outcomes[0]).toMatchObject({ stored: { id: original.id, seq: seqOf(first) } });
    expect(outcomes[1]).toMatchObject({ stored: { seq: seqOf(first) + 1 } });
    expect(outcomes[2]).toMatchObject({ stored: { id: fresh.id } });
    expect(await storedCount([retry.id, repeat.id])).toBe(0);
    // The conversation's counter is the renumbered last seq (PostgreSQL bumps it in the insert
    // statement only when every row went in), and the next message follows without a gap.
    expect(await lastSeq(directConversationId(alice.userId, bob.userId))).toBe(seqOf(first) + 1);
    expect(seqOf(await writer.write(message(alice, { user: bob })))).toBe(seqOf(first) + 2);
  });

  it('looks conversations up safely whatever their id holds (quotes, backslashes, commas, braces)', async () => {
    // The batch's first statement carries the ids as an escaped array literal on PostgreSQL.
    const odd = [`g-it's`, 'g-back\\slash', 'g-"quoted"', 'g-{a,b}', 'g-'];
    const sends = [...odd.map((id) => ({ ...message(alice, { group: id }) })), message(alice, { group })];
    const outcomes = await Promise.all(sends.map((m) => writer.write(m)));
    expect(outcomes.map((o) => o.status)).toEqual([...odd.map(() => 'not-member'), 'stored']);
  });

  describe('a statement failing inside a batch', () => {
    const trigger = async (install: boolean) => {
      const schema = (dataSource.options as { schema?: string }).schema;
      const q = (name: string) => (schema ? `"${schema}"."${name}"` : `"${name}"`);
      if (dataSource.options.type === 'postgres') {
        if (install) {
          await dataSource.query(
            `CREATE FUNCTION ${q('gc_boom')}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.content LIKE '%"boom"%' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$`,
          );
          await dataSource.query(`CREATE TRIGGER gc_boom BEFORE INSERT ON ${q('messages')} FOR EACH ROW EXECUTE FUNCTION ${q('gc_boom')}()`);
        } else {
          await dataSource.query(`DROP TRIGGER gc_boom ON ${q('messages')}`);
          await dataSource.query(`DROP FUNCTION ${q('gc_boom')}()`);
        }
      } else if (install) {
        await dataSource.query(`CREATE TRIGGER gc_boom BEFORE INSERT ON "messages" WHEN NEW.content LIKE '%"boom"%' BEGIN SELECT RAISE(ABORT, 'boom'); END`);
      } else {
        await dataSource.query('DROP TRIGGER gc_boom');
      }
    };
    beforeAll(() => trigger(true));
    afterAll(() => trigger(false));

    it('fails only that message; the others are stored exactly once with gap-free seqs', async () => {
      const ab = directConversationId(alice.userId, bob.userId);
      const before = { ab: await lastSeq(ab), g: await lastSeq(group) };
      const fallbacks = writer.stats.fallbacks;
      const sends = [message(alice, { user: bob }), message(carol, { group }), message(alice, { group }, 'boom'), message(bob, { group }), message(alice, { user: bob })];
      const settled = await Promise.allSettled(sends.map((m) => writer.write(m)));
      expect(writer.stats.fallbacks).toBe(fallbacks + 1);
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      const seqs = settled.map((s) => (s.status === 'fulfilled' ? seqOf(s.value) : null));
      expect(seqs).toEqual([before.ab + 1, before.g + 1, null, before.g + 2, before.ab + 2]);
      expect(await storedCount(sends.map((m) => m.id))).toBe(4);
      expect(await storedCount([sends[2].id])).toBe(0);
      // The conversations' counters match what was stored: the next message continues without a gap.
      const next = await writer.write(message(bob, { group }));
      expect(seqOf(next)).toBe(before.g + 3);
    });
  });

  it('checks membership inside the write: a member removed before the commit is refused and not a recipient', async () => {
    const dave = await newUser(app);
    const team = await createGroup(alice, [dave.userId, bob.userId]);
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    // A membership change holding the group's lock (row lock on PostgreSQL, the write queue on
    // SQLite) while two sends are queued; it commits before their batch can run.
    const removal = app.app.get(ConversationRepository).inConversation(team, 'group', async (tx) => {
      await tx.deleteMembers(team, [dave.userId]);
      locked();
      await gate;
    });
    await isLocked;
    const fromDave = writer.write(message(dave, { group: team }));
    const fromAlice = writer.write(message(alice, { group: team }));
    open();
    await removal;
    expect(await fromDave).toEqual({ status: 'not-member' });
    const stored = await fromAlice;
    expect(stored.status).toBe('stored');
    expect([...(stored as Extract<WriteOutcome, { status: 'stored' }>).recipients!].sort()).toEqual([alice.userId, bob.userId].sort());
    expect(seqOf(stored)).toBe(1);
  });
});

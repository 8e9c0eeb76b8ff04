/**
 * message/search over real sockets and the real engine (SQLite by default, PostgreSQL with
 * TEST_DATABASE_URL): CJK text found by 2-, 3- and 4-character words, Japanese and Korean,
 * English substring/prefix (no stemming), mixed text; scope exactly as message/history
 * (non-members, history_visibility "joined"), recalled and edited messages, module entries,
 * hostile query strings, filters, order and paging.
 */
import { ConversationStream } from '../../../src/modules/message';
import type { LoggedInUser } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { createGroup, newUser, text } from './message-helpers';

jest.setTimeout(60_000);

describe('message/search', () => {
  let app: TestApp;
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  let carol: LoggedInUser;
  let groupId: string;

  const send = async (user: LoggedInUser, conversationId: string, t: string, extra: Record<string, unknown> = {}) =>
    user.client.call('message/send', { target: { type: 'group', id: conversationId }, content: text(t), ...extra });
  const search = (user: LoggedInUser, payload: Record<string, unknown>) => user.client.call('message/search', payload);
  /** The texts a search finds, in answer order. */
  const found = async (user: LoggedInUser, query: string, extra: Record<string, unknown> = {}) =>
    ((await search(user, { query, ...extra })).results as any[]).map((r) => r.message.content.text as string);

  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0' });
    [alice, bob, carol] = [await newUser(app), await newUser(app), await newUser(app)];
    groupId = await createGroup(alice, [bob.userId], 'search');
    for (const t of [
      '明天下午三点开项目评审会议',
      '明日の会議は午後三時からです',
      '내일 오후 세 시에 회의가 있습니다',
      'The reviewers are reviewing the Quarterly Report',
      'Deploy 新版本 to staging after 评审 passes',
      'QA sign-off needed',
    ]) {
      await send(alice, groupId, t);
    }
  });
  afterAll(() => app?.close());

  it('Chinese: found by a 2-character word, 4 characters, and the last 2 characters', async () => {
    expect(await found(bob, '评审')).toEqual(['Deploy 新版本 to staging after 评审 passes', '明天下午三点开项目评审会议']);
    expect(await found(bob, '项目评审')).toEqual(['明天下午三点开项目评审会议']);
    expect(await found(bob, '会议')).toEqual(['明天下午三点开项目评审会议']);
    expect(await found(bob, '议')).toEqual(['明天下午三点开项目评审会议']);
    expect(await found(bob, '开会')).toEqual([]);
  });

  it('Japanese and Korean', async () => {
    expect(await found(bob, '会議')).toEqual(['明日の会議は午後三時からです']);
    expect(await found(bob, '午後三時')).toEqual(['明日の会議は午後三時からです']);
    expect(await found(bob, '회의')).toEqual(['내일 오후 세 시에 회의가 있습니다']);
    // Three words of 2, 1 and 1 characters: each occurs.
    expect(await found(bob, '오후 세 시')).toEqual(['내일 오후 세 시에 회의가 있습니다']);
    expect(await found(bob, '"세 시에"')).toEqual(['내일 오후 세 시에 회의가 있습니다']);
  });

  it('English: case-insensitive substrings (prefixes and inner parts), no stemming; every word must occur; phrases keep order', async () => {
    expect(await found(bob, 'review')).toEqual(['The reviewers are reviewing the Quarterly Report']);
    expect(await found(bob, 'REVIEWERS quarterly')).toEqual(['The reviewers are reviewing the Quarterly Report']);
    expect(await found(bob, 'reviewed')).toEqual([]);
    expect(await found(bob, '"quarterly report"')).toEqual(['The reviewers are reviewing the Quarterly Report']);
    expect(await found(bob, '"report quarterly"')).toEqual([]);
    expect(await found(bob, 'review missing')).toEqual([]);
    expect(await found(bob, 'qa')).toEqual(['QA sign-off needed']);
  });

  it('mixed-language text is found by either language', async () => {
    expect(await found(bob, '新版本 staging')).toEqual(['Deploy 新版本 to staging after 评审 passes']);
    expect(await found(bob, 'deploy 版本')).toEqual(['Deploy 新版本 to staging after 评审 passes']);
  });

  it('results carry the position, and a snippet with the matches marked', async () => {
    const page = await search(bob, { query: '项目评审' });
    const [hit] = page.results;
    expect(hit).toMatchObject({ conversation_id: groupId, seq: 1, sender_id: alice.userId, message: { seq: 1, conversation_id: groupId } });
    expect(hit.snippet).toEqual([{ text: '明天下午三点开' }, { text: '项目评审', match: true }, { text: '会议' }]);
    expect(page).toMatchObject({ order: 'newest', has_more: false, next_cursor: null });
    // The jump: history before the result's cursor ends with the message.
    const context = await bob.client.call('message/history', { conversation_id: groupId, before: hit.history_cursor, limit: 3 });
    expect(context.messages.map((m: any) => m.seq).pop()).toBe(1);
    const later = await search(bob, { query: '会議' });
    const around = await bob.client.call('message/history', { conversation_id: groupId, before: later.results[0].history_cursor, limit: 2 });
    expect(around.messages.map((m: any) => m.content.text)).toEqual(['明天下午三点开项目评审会议', '明日の会議は午後三時からです']);
  });

  it('a non-member finds nothing, and naming the conversation answers as for one that does not exist', async () => {
    expect(await found(carol, '评审')).toEqual([]);
    const named = await carol.client.request('message/search', { query: '评审', conversation_id: groupId });
    const missing = await carol.client.request('message/search', { query: '评审', conversation_id: 'g-doesnotexist' });
    expect(named.payload.status).toBe(missing.payload.status);
    expect(named.payload.error_code).toBe(missing.payload.error_code);
    expect(named.payload.status).toBeGreaterThanOrEqual(400);
  });

  it('a member who joined later (history_visibility "joined") does not find what was said before', async () => {
    const group = await createGroup(alice, [bob.userId], 'late');
    await send(alice, group, 'secret plan 秘密计划 before carol');
    await alice.client.call('group/add', { conversation_id: group, members: [carol.userId] });
    await send(alice, group, 'public plan 公开计划 after carol');
    expect(await found(carol, 'plan')).toEqual(['public plan 公开计划 after carol']);
    expect(await found(carol, '计划')).toEqual(['public plan 公开计划 after carol']);
    expect(await found(carol, '秘密')).toEqual([]);
    expect(await found(carol, 'secret', { conversation_id: group })).toEqual([]);
    expect(await found(bob, 'plan', { conversation_id: group })).toEqual(['public plan 公开计划 after carol', 'secret plan 秘密计划 before carol']);
  });

  it('a recalled message is not found; an edited one by its new text only', async () => {
    const group = await createGroup(alice, [bob.userId], 'changes');
    const recalled = await send(alice, group, 'password is hunter2 口令');
    const edited = await send(alice, group, 'meeting on Monday 周一');
    expect(await found(bob, 'hunter2', { conversation_id: group })).toHaveLength(1);
    await alice.client.call('message/recall', { conversation_id: group, seq: recalled.seq });
    await alice.client.call('message/edit', { conversation_id: group, seq: edited.seq, content: text('meeting on Friday 周五') });
    for (const gone of ['hunter2', '口令', 'password', 'monday', '周一']) expect(await found(bob, gone, { conversation_id: group })).toEqual([]);
    expect(await found(bob, 'friday', { conversation_id: group })).toEqual(['meeting on Friday 周五']);
    expect(await found(bob, '周五', { conversation_id: group })).toEqual(['meeting on Friday 周五']);
  });

  it('module entries (their data may carry text) are never found; only messages', async () => {
    const group = await createGroup(alice, [bob.userId], 'entries');
    await app.app.get(ConversationStream).append({ conversationId: group, actorId: alice.userId, kind: 'sample.note', data: { type: 'text', text: 'zebra crossing 斑马线' } });
    await send(alice, group, 'zebra 斑马');
    expect(await found(bob, 'zebra', { conversation_id: group })).toEqual(['zebra 斑马']);
    expect(await found(bob, '斑马', { conversation_id: group })).toEqual(['zebra 斑马']);
  });

  it('hostile query strings are text: results or an empty list, never an error', async () => {
    await send(alice, groupId, 'odd "quoted" text with 100% (parens) and a_b AND OR NOT *');
    for (const query of ['"', '""', 'AND OR NOT (', '(', ')', '*', 'NEAR(a b)', 'col:text', '"unclosed phrase', "'; DROP TABLE messages; --", '%', '_', '\\', '-', '^a', '评审 OR', 'a*b', '{x}']) {
      const res = await bob.client.request('message/search', { query });
      expect({ query, status: res.payload.status }).toEqual({ query, status: 200 });
    }
    expect(await found(bob, '100%')).toEqual(['odd "quoted" text with 100% (parens) and a_b AND OR NOT *']);
    expect(await found(bob, '(parens)')).toEqual(['odd "quoted" text with 100% (parens) and a_b AND OR NOT *']);
    expect(await found(bob, 'a_b')).toEqual(['odd "quoted" text with 100% (parens) and a_b AND OR NOT *']);
    expect(await found(bob, '"quoted"')).toEqual(['odd "quoted" text with 100% (parens) and a_b AND OR NOT *']);
    expect(await found(bob, '%_%')).toEqual([]);
    expect(await found(bob, 'AND OR NOT')).toEqual(['odd "quoted" text with 100% (parens) and a_b AND OR NOT *']);
  });

  it('filters: from:, in:, has:file, dates; fields and query agree', async () => {
    const group = await createGroup(alice, [bob.userId], 'filters');
    await send(alice, group, 'budget draft from alice');
    await send(bob, group, 'budget numbers from bob');
    expect(await found(bob, `budget from:${bob.userId}`)).toEqual(['budget numbers from bob']);
    expect(await found(bob, 'budget', { from_user: alice.userId })).toEqual(['budget draft from alice']);
    expect(await found(bob, `budget in:${group}`)).toHaveLength(2);
    expect(await found(bob, 'budget has:file')).toEqual([]);
    expect(await found(bob, 'budget before:2000-01-01')).toEqual([]);
    expect(await found(bob, 'budget after:2000-01-01')).toHaveLength(2);
    const now = Math.floor(Date.now() / 1000);
    expect(await found(bob, 'budget', { after: now + 3600 })).toEqual([]);
    const conflict = await bob.client.request('message/search', { query: `budget in:${groupId}`, conversation_id: group });
    expect(conflict.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    const badDate = await bob.client.request('message/search', { query: 'budget before:yesterday' });
    expect(badDate.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
  });

  it('pages newest first with a cursor bound to the search; relevance order ranks the closest match first', async () => {
    const group = await createGroup(alice, [bob.userId], 'paging');
    for (let i = 1; i <= 5; i++) await send(alice, group, `sprint item ${i}${i === 2 ? ' sprint sprint' : ''}`);
    const first = await search(bob, { query: 'sprint', conversation_id: group, limit: 2 });
    expect(first.results.map((r: any) => r.seq)).toEqual([5, 4]);
    expect(first.has_more).toBe(true);
    const second = await search(bob, { query: 'sprint', conversation_id: group, limit: 2, cursor: first.next_cursor });
    expect(second.results.map((r: any) => r.seq)).toEqual([3, 2]);
    const third = await search(bob, { query: 'sprint', conversation_id: group, limit: 2, cursor: second.next_cursor });
    expect(third).toMatchObject({ has_more: false, next_cursor: null });
    expect(third.results.map((r: any) => r.seq)).toEqual([1]);
    const foreign = await bob.client.request('message/search', { query: 'item', conversation_id: group, cursor: first.next_cursor });
    expect(foreign.payload).toMatchObject({ status: 400, error_code: 'INVALID_CURSOR' });

    const ranked = await search(bob, { query: 'sprint', conversation_id: group, order: 'relevance', limit: 1 });
    expect(ranked.results[0].seq).toBe(2);
    expect(ranked.order).toBe('relevance');
    const next = await search(bob, { query: 'sprint', conversation_id: group, order: 'relevance', limit: 10, cursor: ranked.next_cursor });
    expect(next.results.map((r: any) => r.seq)).toEqual([5, 4, 3, 1]);
  });

  it('a message of the longest allowed text is indexed at send time (linear cost) and found at its end', async () => {
    const group = await createGroup(alice, [bob.userId], 'long');
    const long = `${'明天下午三点开项目评审会议 review '.repeat(400).slice(0, 7990)}尾巴XYZ`;
    const t0 = Date.now();
    await send(alice, group, long);
    expect(Date.now() - t0).toBeLessThan(20_000);
    const [hit] = (await search(bob, { query: '尾巴xyz', conversation_id: group })).results;
    expect(hit.snippet.find((p: any) => p.match)).toEqual({ text: '尾巴XYZ', match: true });
    expect(await found(bob, '巴X', { conversation_id: group })).toEqual([long]);
  });

  it('bad payloads are 400s', async () => {
    for (const payload of [{}, { query: '' }, { query: 'x', order: 'oldest' }, { query: 'x', limit: 0 }, { query: 'x'.repeat(501) }, { query: 'x', cursor: 'nope' }]) {
      const res = await bob.client.request('message/search', payload);
      expect(res.payload.status).toBe(400);
    }
  });
});

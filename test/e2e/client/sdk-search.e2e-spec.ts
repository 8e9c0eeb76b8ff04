/**
 * The SDK's search() and the chat CLI's /search against the in-process server: CJK found by a
 * 2-character word, results with snippet parts and a history_cursor that pages to the message,
 * paging with next_cursor; the CLI resolves in:@user / in:<group name> / from:<username> and
 * prints the snippet with the matches marked.
 */
import { SwitchboardSession } from '../../../src/client/session';
import { chatUser } from '../../support/chat-helpers';
import { startTestApp, TestApp } from '../../support/test-app';
import { registerUser } from '../../support/users';
import { FAST } from './sdk-helpers';

jest.setTimeout(60_000);

describe('SDK search() and CLI /search', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0' });
  });
  afterAll(() => app?.close());

  it('search() finds, pages and jumps', async () => {
    const [alice, bob] = [await registerUser(app, { prefix: 'sdks' }), await registerUser(app, { prefix: 'sdks' })];
    const start = (u: typeof alice) => SwitchboardSession.start({ port: app.tcpPort, username: u.username, password: u.password, device: 'desk', ...FAST });
    const [as, bs] = [await start(alice), await start(bob)];
    try {
      const first = await as.send({ type: 'user', id: bob.userId }, '明天下午三点开项目评审会议');
      await as.send({ type: 'user', id: bob.userId }, 'unrelated');
      await as.send({ type: 'user', id: bob.userId }, '评审 again');
      const page = await bs.search('评审', { limit: 1 });
      expect(page.results.map((r) => r.seq)).toEqual([3]);
      expect(page.results[0].snippet).toEqual([{ text: '评审', match: true }, { text: ' again' }]);
      const next = await bs.search('评审', { limit: 1, cursor: page.next_cursor! });
      expect(next.results.map((r) => r.seq)).toEqual([first.seq]);
      expect(next.has_more).toBe(false);
      const context = await bs.call('message/history', { conversation_id: first.conversation_id, before: next.results[0].history_cursor, limit: 5 });
      expect(context.messages.map((m) => m.seq)).toEqual([first.seq]);
    } finally {
      await Promise.all([as.close(), bs.close()]);
    }
  });

  it('/search resolves names and marks the matches', async () => {
    const alice = await chatUser(app);
    const bob = await chatUser(app);
    await alice.session.execute(`/group create review-team ${bob.username}`);
    await alice.out.waitFor(/^created group "review-team"/);
    await alice.session.execute('/g review-team 明天下午三点开项目评审会议');
    await alice.out.waitFor(/^→ sent to /);
    await alice.session.execute(`/to ${bob.username} 评审 in private`);
    await alice.out.waitFor(/^→ sent to /);

    await bob.session.execute('/search 评审');
    await bob.out.waitFor(/^2 result\(s\) for 评审, newest first:$/);
    await bob.session.execute(`/search 评审 in:review-team from:${alice.username}`);
    await bob.out.waitFor(new RegExp(`^1 result\\(s\\) for 评审 in:review-team from:${alice.username}, newest first:$`));
    await bob.out.waitFor(new RegExp(`^  \\[.{8}\\] #review-team <${alice.username}> 明天下午三点开项目\\*\\*评审\\*\\*会议$`));
    await bob.session.execute(`/search 评审 in:@${alice.username}`);
    await bob.out.waitFor(/^1 result\(s\) for 评审 in:@.*, newest first:$/);
    await bob.session.execute('/search nothing-like-this');
    await bob.out.waitFor(/^no messages match nothing-like-this$/);
    await bob.session.execute('/search');
    await bob.out.waitFor(/^usage: \/search <words>/);
  });
});

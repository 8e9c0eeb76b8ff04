/**
 * PostgreSQL outage (through a TCP proxy this test controls; the shared cluster is never
 * stopped): while the database is unreachable every request that needs it is answered
 * 503 UNAVAILABLE with retry_after_ms (never 500) - including the token check of a fresh
 * connection and logins - /health/ready reports not-ready, and once the database is back the
 * same process serves again without a restart. PostgreSQL only: SQLite is a local file.
 */
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { registerAndLogin } from '../../support/users';
import { describeWith } from '../../support/requires';
import { startTcpProxy, TcpProxy } from '../../support/tcp-proxy';
import { startTestApp, TestApp } from '../../support/test-app';

async function ready(app: TestApp): Promise<number> {
  return (await fetch(`http://127.0.0.1:${app.httpPort}/health/ready`)).status;
}

describeWith({ postgres: true }, 'PostgreSQL outage: 503 UNAVAILABLE, then recovery without restart', () => {
  let proxy: TcpProxy;
  let app: TestApp;

  beforeAll(async () => {
    const target = new URL(process.env.TEST_DATABASE_URL!);
    proxy = await startTcpProxy(Number(target.port || 5432), target.hostname);
    const viaProxy = new URL(target);
    viaProxy.port = String(proxy.port);
    app = await startTestApp({ DATABASE_URL: viaProxy.toString(), RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0' });
  }, 60_000);

  afterAll(async () => {
    proxy?.up();
    await app?.close();
    await proxy?.close();
  });

  it('answers every request during the outage with 503 + retry_after_ms and recovers when the database returns', async () => {
    const alice = await registerAndLogin(app);
    const bob = await registerAndLogin(app);
    const group = await alice.client.call('group/create', { name: 'outage', members: [bob.userId] });
    const conversationId = group.conversation_id as string;
    // A module's commands too (the sample poll module): no outage may turn into a 404 or a 500.
    const pollGroup = (await alice.client.call('group/create', { name: 'polls', members: [bob.userId] })).conversation_id as string;
    const { poll } = (await alice.client.call('poll/create', { conversation_id: pollGroup, question: 'Q?', options: ['a', 'b'] })) as unknown as { poll: { poll_id: string } };
    expect(await ready(app)).toBe(200);

    proxy.down();
    const fresh = await app.connect();
    fresh.token = alice.token;
    const requests: [SwitchboardClient, string, Record<string, unknown>][] = [
      [alice.client, 'message/send', { target: { type: 'group', id: conversationId }, content: { type: 'text', text: 'during outage' } }],
      [alice.client, 'message/send', { target: { type: 'user', id: bob.userId }, content: { type: 'text', text: 'dm during outage' } }],
      [alice.client, 'message/history', { conversation_id: conversationId }],
      [alice.client, 'group/list', {}],
      [alice.client, 'group/members', { conversation_id: conversationId }],
      [alice.client, 'auth/sessions', {}],
      [bob.client, 'message/ack', { conversation_id: conversationId, seq: 1, state: 'read' }],
      [bob.client, 'poll/vote', { poll_id: poll.poll_id, option: 1 }],
      [alice.client, 'poll/create', { conversation_id: pollGroup, question: 'During?', options: ['a', 'b'] }],
      // A new connection's first request: the token check itself needs the database.
      [fresh, 'group/list', {}],
      [await app.connect(), 'auth/login', { username: alice.username, password: alice.password, client_info: { device: 'd', version: '1' } }],
      [await app.connect(), 'auth/register', { username: 'outage_user_x', password: 'pw-outage-123456' }],
    ];
    const answers = [];
    for (const [client, command, payload] of requests) {
      const response = await client.request(command, payload);
      answers.push({ command, ...(response.payload as { status: number; error_code?: string; retry_after_ms?: number }) });
    }
    for (const answer of answers) {
      expect(answer).toEqual(expect.objectContaining({ status: 503, error_code: 'UNAVAILABLE', retry_after_ms: expect.any(Number) }));
      expect(answer.retry_after_ms).toBeGreaterThan(0);
    }
    // Commands that need no database keep working on the same connection.
    expect((await alice.client.call('control/ping')).status).toBe(200);
    expect(await ready(app)).toBe(503);

    proxy.up();
    const upAt = Date.now();
    // What a client does: retry after retry_after_ms until the send goes through.
    let sent: Record<string, unknown> | undefined;
    for (let attempt = 0; attempt < 30 && !sent; attempt++) {
      const response = await alice.client.request('message/send', { target: { type: 'group', id: conversationId }, content: { type: 'text', text: 'after outage' } }, { id: 'after-outage-1' });
      const p = response.payload as { status: number; error_code?: string; retry_after_ms?: number };
      if (p.status === 200) sent = p;
      else {
        expect(p).toEqual(expect.objectContaining({ status: 503, error_code: 'UNAVAILABLE' }));
        await new Promise((resolve) => setTimeout(resolve, p.retry_after_ms));
      }
    }
    expect(sent).toEqual(expect.objectContaining({ status: 200, seq: expect.any(Number) }));
    console.info(`outage-postgres: first send stored ${Date.now() - upAt} ms after the database came back`);
    expect((await fresh.call('group/list', {})).status).toBe(200);
    expect(await ready(app)).toBe(200);
    // Nothing from the outage was stored: the history holds only the send after it.
    const history = await alice.client.call('message/history', { conversation_id: conversationId });
    expect((history.messages as { content: { text: string } }[]).map((m) => m.content.text)).toEqual(['after outage']);
  }, 90_000);
});

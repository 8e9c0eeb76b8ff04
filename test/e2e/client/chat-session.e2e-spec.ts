/**
 * The chat CLI's ChatSession against the real app over TCP: two users chat, receipts, history,
 * groups, presence, offline batches released by the session's acks, heartbeats, token refresh
 * and a kick. Every wait is on a printed line or a session event.
 */
import { once } from 'node:events';
import { chatUser, directId } from '../../support/chat-helpers';
import { startTestApp, TestApp } from '../../support/test-app';

describe('chat CLI session (in-process ChatSession)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ PRESENCE_DEBOUNCE_MS: '0', MESSAGE_OFFLINE_BATCH: '2' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('alice messages bob: bob prints it, his ack comes back as a receipt, /history lists it', async () => {
    const alice = await chatUser(app);
    const bob = await chatUser(app);
    expect(alice.out.lines[0]).toBe(`registered ${alice.username} (${alice.userId})`);
    expect(alice.out.lines[1]).toMatch(new RegExp(`^logged in as ${alice.username} \\(${alice.userId}\\), session s-`));
    const conv = directId(alice.userId, bob.userId);

    await alice.session.execute(`/to ${bob.userId} hi bob`);
    await alice.out.waitFor(new RegExp(`^→ sent ${conv} #1 \\(m-`));
    await bob.out.waitFor(new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\] ${conv} #1 <${alice.userId}> hi bob$`));
    // Bob's session acknowledged delivery on its own; alice sees the receipt.
    await alice.out.waitFor(new RegExp(`^✓ ${conv} #1 delivered by ${bob.userId}$`));

    await alice.session.execute(`/history ${conv} 10`);
    await alice.out.waitFor(new RegExp(`^history of ${conv}: 1 message\\(s\\)$`));
    expect(alice.out.lines).toContainEqual(expect.stringMatching(new RegExp(`^  \\[.{8}\\] ${conv} #1 <me> hi bob$`)));

    await bob.session.execute('/list');
    await bob.out.waitFor(new RegExp(`^  ${conv}  direct with ${alice.userId}, 2 members, 1 unread — last: <${alice.userId}> hi bob$`));
  });

  it('prints a usage line for a bad command and the error code for a refused request', async () => {
    const alice = await chatUser(app);
    await alice.session.execute('/to');
    await alice.out.waitFor(/^usage: \/to <username\|user_id> <text>$/);
    await alice.session.execute('/history');
    await alice.out.waitFor(/^usage: \/history <conversation_id> \[limit\]$/);
    await alice.session.execute('just text');
    await alice.out.waitFor(/^not a command: /);
    await alice.session.execute('/to u-0000000000000000 hello?');
    await alice.out.waitFor(/^! message\/send failed: 404 USER_NOT_FOUND: user u-0000000000000000 does not exist$/);
    await alice.session.execute('/history g-000000000000000000000000');
    await alice.out.waitFor(/^! message\/history failed: 403 NOT_A_MEMBER: /);
    await alice.session.execute('/help');
    await alice.out.waitFor(/^  \/quit /);
  });

  it('refuses a wrong password and a taken username with the protocol error', async () => {
    const alice = await chatUser(app);
    const again = await chatUser(app, { username: alice.username, password: alice.password });
    expect(again.out.lines[0]).toBe(`! auth/register failed: 409 USERNAME_TAKEN: ${again.out.lines[0].split('USERNAME_TAKEN: ')[1]}`);
    expect(again.userId).toBe(alice.userId); // a taken name still logs in with the right password
    await expect(chatUser(app, { username: alice.username, password: 'wrong-password', register: false })).rejects.toThrow(
      /! auth\/login failed: 401 INVALID_CREDENTIALS: /,
    );
  });

  it('creates a group, chats in it, shows notifications and /list', async () => {
    const alice = await chatUser(app);
    const bob = await chatUser(app);
    await alice.session.execute(`/group create "Project X" ${bob.userId}`);
    const created = await alice.out.waitFor(/^created group "Project X" g-[0-9a-f]{24} with 2 members/);
    const groupId = /(g-[0-9a-f]{24})/.exec(created)![1];
    await bob.out.waitFor(new RegExp(`^\\* ${alice.userId} created group "Project X" \\(${groupId}\\) with ${alice.userId}, me$`));

    await bob.session.execute(`/g ${groupId} hello team`);
    await alice.out.waitFor(new RegExp(`${groupId} #1 <${bob.userId}> hello team$`));
    await bob.out.waitFor(new RegExp(`^✓ ${groupId} #1 delivered by ${alice.userId}$`));
    await alice.session.execute('/list');
    await alice.out.waitFor(new RegExp(`^  ${groupId}  group "Project X", 2 members`));
  });

  it('sets status, sees the contact’s presence change and lists who is online', async () => {
    const alice = await chatUser(app);
    const bob = await chatUser(app);
    await alice.session.execute(`/to ${bob.userId} ping`); // a shared conversation makes them an audience
    await bob.out.waitFor(/ping$/);
    await bob.session.execute('/status away at lunch');
    await bob.out.waitFor(/^status: away "at lunch"$/);
    await alice.out.waitFor(new RegExp(`^\\* ${bob.userId} is away "at lunch" on cli$`));
    await alice.session.execute('/who');
    await alice.out.waitFor(new RegExp(`^  ${bob.userId} is away "at lunch" on cli$`));
    await alice.session.execute('/ping');
    await alice.out.waitFor(/^pong in \d+ ms \(server time \d\d:\d\d:\d\d\)$/);
  });

  it('shows what was sent while it was away, once and in order, and acknowledges it', async () => {
    const alice = await chatUser(app);
    const bob = await chatUser(app);
    await bob.session.quit();
    for (let i = 1; i <= 5; i++) {
      await alice.session.execute(`/to ${bob.username} missed ${i}`);
      await alice.out.waitFor(new RegExp(` #${i} \\(m-`));
    }
    // MESSAGE_OFFLINE_BATCH=2: offline batches and the SDK's sync both bring them; each shows once.
    const back = await chatUser(app, { username: bob.username, password: bob.password, register: false });
    const conv = directId(alice.userId, bob.userId);
    const lines = await back.out.waitForCount(new RegExp(`^\\[.{8}\\] ${conv} #\\d <${alice.userId}> \\(offline\\) missed \\d$`), 5);
    expect(lines.map((l) => / #(\d) /.exec(l)![1])).toEqual(['1', '2', '3', '4', '5']);
    // Printed after "logged in".
    expect(back.out.lines.findIndex((l) => l.startsWith('logged in as'))).toBeLessThan(back.out.lines.findIndex((l) => l.includes('missed 1')));
    expect(back.out.lines.filter((l) => l.startsWith('!'))).toEqual([]);
    await alice.out.waitFor(new RegExp(`^✓ ${conv} #5 delivered by ${bob.userId}$`));
    expect(back.out.lines.filter((l) => l.includes('missed'))).toHaveLength(5);
  });

  it('ends with "kicked" when the same device logs in elsewhere', async () => {
    const first = await chatUser(app, { device: 'laptop' });
    await chatUser(app, { username: first.username, password: first.password, register: false, device: 'laptop' });
    await expect(first.session.ended).resolves.toEqual({ kind: 'kicked', reason: 'replaced' });
    expect(first.out.lines).toContain('! signed out by the server (auth/kick, reason: replaced); log in again to continue');
    await first.session.execute('/ping');
    await first.out.waitFor(/^! not connected$/);
  });

  it('ends with "quit" on /quit and closes the connection', async () => {
    const alice = await chatUser(app);
    await expect(alice.session.execute('/quit')).resolves.toBe(false);
    await expect(alice.session.ended).resolves.toEqual({ kind: 'quit' });
    expect(alice.client.isOpen).toBe(false);
  });
});

describe('chat CLI session keeps itself alive', () => {
  let app: TestApp;
  beforeAll(async () => {
    // Heartbeat timeout 0.6 s and 2 s tokens (refreshed every second): without heartbeats and
    // refreshes the session dies.
    app = await startTestApp({ HEARTBEAT_INTERVAL_S: '0.2', AUTH_ACCESS_TTL: '2' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('sends heartbeats at the announced interval and refreshes the token before it expires', async () => {
    const alice = await chatUser(app);
    const firstToken = alice.client.token!;
    const rtts: number[] = [];
    alice.session.on('heartbeat', (_seq, rtt) => rtt !== undefined && rtts.push(rtt));
    await once(alice.session, 'refreshed');
    expect(alice.client.token).not.toBe(firstToken);
    for (let i = 0; i < 3; i++) await once(alice.session, 'refreshed');
    // ~4 s in: the first token has expired, the connection is still up and commands work.
    expect(rtts.length).toBeGreaterThanOrEqual(5);
    expect(alice.client.isOpen).toBe(true);
    const stale = await alice.client.request('presence/list', {}, { headers: { Authorization: `Bearer ${firstToken}` } });
    expect(stale.payload).toMatchObject({ status: 401, error_code: 'TOKEN_EXPIRED' });
    await alice.session.execute('/who');
    await alice.out.waitFor(/^nobody you share a conversation with is online$/);
    expect(alice.out.lines.filter((l) => l.startsWith('!'))).toEqual([]);
    await alice.session.quit();
  });
});

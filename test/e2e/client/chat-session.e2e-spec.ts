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
    expect(alice.out.lines[0]).toBe(`registered ${alice.username}`);
    expect(alice.out.lines[1]).toBe(`logged in as ${alice.username}; /help lists the commands`);

    // By username; every line names people, not ids.
    await alice.session.execute(`/to ${bob.username} hi bob`);
    await alice.out.waitFor(new RegExp(`^→ sent to @${bob.username}$`));
    await bob.out.waitFor(
      new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\] @${alice.username} <${alice.username}> hi bob$`),
    );
    // Bob's CLI marks what it printed as read; alice sees the receipt.
    await alice.out.waitFor(new RegExp(`^✓ @${bob.username} #1 read by ${bob.username}$`));

    await alice.session.execute(`/history @${bob.username} 10`);
    await alice.out.waitFor(new RegExp(`^history of @${bob.username}: 1 message\\(s\\)$`));
    expect(alice.out.lines).toContainEqual(
      expect.stringMatching(new RegExp(`^  \\[.{8}\\] @${bob.username} <me> hi bob$`)),
    );

    // Unread counts follow what was shown: bob saw it, so nothing is unread.
    await bob.session.execute('/list');
    await bob.out.waitFor(
      new RegExp(
        `^  @${alice.username}  direct with ${alice.username} — last: <${alice.username}> hi bob$`,
      ),
    );
    // Ids only on request.
    await bob.session.execute('/ids on');
    await bob.session.execute('/list');
    await bob.out.waitFor(
      new RegExp(
        `^  @${alice.username} \\(${directId(alice.userId, bob.userId)}\\)  direct with ${alice.username} \\(${alice.userId}\\)`,
      ),
    );
  });

  it('prints a usage line for a bad command and the error code for a refused request', async () => {
    const alice = await chatUser(app);
    await alice.session.execute('/to');
    await alice.out.waitFor(/^usage: \/to <username\|user_id> <text>$/);
    await alice.session.execute('/history');
    await alice.out.waitFor(/^usage: \/history <@user\|group name\|id> \[limit\]$/);
    await alice.session.execute('just text');
    await alice.out.waitFor(/^not a command: /);
    await alice.session.execute('/to u-0000000000000000 hello?');
    await alice.out.waitFor(
      /^! message\/send failed: 404 USER_NOT_FOUND: user u-0000000000000000 does not exist$/,
    );
    await alice.session.execute('/history g-000000000000000000000000');
    await alice.out.waitFor(/^! message\/history failed: 403 NOT_A_MEMBER: /);
    await alice.session.execute('/g "No Such Group" hi');
    await alice.out.waitFor(
      /^! you are in no group called "No Such Group" \(\/list shows your groups\)$/,
    );
    await alice.session.execute('/find bo');
    await alice.out.waitFor(/^nobody found for "bo"; a prefix search needs at least 3 characters/);
    await alice.session.execute('/help');
    await alice.out.waitFor(/^  \/quit /);
  });

  it('--register of an existing account just logs in; a wrong password gets the protocol error', async () => {
    const alice = await chatUser(app);
    const again = await chatUser(app, { username: alice.username, password: alice.password });
    expect(again.out.lines[0]).toBe(`logged in as ${alice.username}; /help lists the commands`);
    expect(again.userId).toBe(alice.userId); // a taken name logs in with the right password
    await expect(
      chatUser(app, { username: alice.username, password: 'wrong-password', register: false }),
    ).rejects.toThrow(/! auth\/login failed: 401 INVALID_CREDENTIALS: /);
  });

  it('creates a group, chats in it, shows notifications and /list', async () => {
    const alice = await chatUser(app);
    const bob = await chatUser(app);
    await alice.session.execute(`/group create "Project X" ${bob.username}`);
    await alice.out.waitFor(
      /^created group "Project X" with 2 members; send with \/g "Project X" <text>$/,
    );
    await bob.out.waitFor(
      new RegExp(`^\\* ${alice.username} created group "Project X" with ${alice.username}, me$`),
    );

    // By name, as the creation line says.
    await bob.session.execute(`/g "Project X" hello team`);
    await alice.out.waitFor(new RegExp(`\\] #Project X <${bob.username}> hello team$`));
    await bob.out.waitFor(new RegExp(`^✓ #Project X #1 read by ${alice.username}$`));
    await alice.session.execute('/list');
    await alice.out.waitFor(/^  #Project X  group, 2 members/);
  });

  it('sets status, sees the contact’s presence change and lists who is online', async () => {
    const alice = await chatUser(app);
    const bob = await chatUser(app);
    await alice.session.execute(`/to ${bob.userId} ping`); // a user id still works; a shared conversation makes them an audience
    await bob.out.waitFor(/ping$/);
    await bob.session.execute('/status away at lunch');
    await bob.out.waitFor(/^status: away "at lunch"$/);
    await alice.out.waitFor(new RegExp(`^\\* ${bob.username} is away "at lunch" on cli$`));
    await alice.session.execute('/who');
    await alice.out.waitFor(new RegExp(`^  ${bob.username} is away "at lunch" on cli$`));
    await alice.session.execute('/ping');
    await alice.out.waitFor(/^pong in \d+ ms \(server time \d\d:\d\d:\d\d\)$/);
  });

  it('shows what was sent while it was away, once and in order, and acknowledges it', async () => {
    const alice = await chatUser(app);
    const bob = await chatUser(app);
    await bob.session.quit();
    for (let i = 1; i <= 5; i++) {
      await alice.session.execute(`/to ${bob.username} missed ${i}`);
      await alice.out.waitForCount(/^→ sent to /, i);
    }
    // MESSAGE_OFFLINE_BATCH=2: offline batches and the SDK's sync both bring them; each shows once.
    const back = await chatUser(app, {
      username: bob.username,
      password: bob.password,
      register: false,
    });
    const lines = await back.out.waitForCount(
      new RegExp(`^\\[.{8}\\] @${alice.username} <${alice.username}> missed \\d$`),
      5,
    );
    expect(lines.map((l) => /missed (\d)/.exec(l)![1])).toEqual(['1', '2', '3', '4', '5']);
    // Printed after "logged in", under one marker (no state dir: everything is earlier history).
    const marker = back.out.lines.findIndex((l) => l === '── 5 earlier message(s) ──');
    expect(back.out.lines.findIndex((l) => l.startsWith('logged in as'))).toBeLessThan(marker);
    expect(marker).toBeLessThan(back.out.lines.findIndex((l) => l.includes('missed 1')));
    expect(back.out.lines.filter((l) => l.startsWith('!'))).toEqual([]);
    await alice.out.waitFor(new RegExp(`^✓ @${bob.username} #5 read by ${bob.username}$`));
    expect(back.out.lines.filter((l) => l.includes('missed'))).toHaveLength(5);
  });

  it("edits, reacts, pins, replies in a thread and recalls by name; shows the others' changes; /inbox, /mute, typing", async () => {
    const alice = await chatUser(app);
    const bob = await chatUser(app);
    const [a, b] = [alice.username, bob.username];
    await alice.session.execute(`/to ${b} helo`);
    await bob.out.waitFor(new RegExp(`@${a} <${a}> helo$`));
    // Defaults: my last message for /edit and /recall, the last one shown for /react, /pin, /thread.
    await alice.session.execute(`/edit @${b} hello`);
    await alice.out.waitFor(new RegExp(`^✎ edited #1 in @${b}$`));
    await bob.out.waitFor(new RegExp(`@${a} <${a}> edited #1: hello$`));
    await bob.session.execute(`/react @${a} 👍`);
    await bob.out.waitFor(/^#1 in @.*: 👍 1$/);
    await alice.out.waitFor(new RegExp(`@${b} <${b}> reacted 👍 to #1$`));
    await bob.session.execute(`/pin @${a}`);
    await alice.out.waitFor(new RegExp(`@${b} <${b}> pinned #1$`));
    await alice.session.execute(`/pins @${b}`);
    await alice.out.waitFor(new RegExp(`^1 pinned in @${b}:$`));
    await bob.session.execute(`/thread @${a} #1 on it`);
    await alice.out.waitFor(new RegExp(`@${b} <${b}> \\(in thread #1\\) on it$`));
    await alice.session.execute(`/history @${b}`);
    await alice.out.waitFor(new RegExp(`<me> hello \\(edited\\) \\[1 reply\\] \\[👍 1\\]$`));
    await alice.session.execute(`/recall @${b} #1`);
    await bob.out.waitFor(new RegExp(`@${a} <${a}> recalled #1$`));
    await alice.session.execute(`/recall @${b} #x`);
    await alice.out.waitFor(/^usage: \/recall /);
    await bob.session.execute('/inbox');
    await bob.out.waitFor(new RegExp(`^  @${a}( \\(.*\\))? — <`));
    await bob.session.execute(`/mute @${a}`);
    await bob.out.waitFor(new RegExp(`^@${a} muted \\(mentions still count\\)$`));
    await bob.session.execute('/inbox');
    await bob.out.waitFor(new RegExp(`^  @${a} \\((.*, )?muted\\)`));
    await alice.session.session!.typing(directId(alice.userId, bob.userId), 'start');
    await bob.out.waitFor(new RegExp(`^… ${a} is typing in @${a}$`));
  });

  it('ends with "kicked" when the same device logs in elsewhere', async () => {
    const first = await chatUser(app, { device: 'laptop' });
    await chatUser(app, {
      username: first.username,
      password: first.password,
      register: false,
      device: 'laptop',
    });
    await expect(first.session.ended).resolves.toEqual({ kind: 'kicked', reason: 'replaced' });
    expect(first.out.lines).toContain(
      '! signed out by the server (auth/kick, reason: replaced); log in again to continue',
    );
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
    const stale = await alice.client.request(
      'presence/list',
      {},
      { headers: { Authorization: `Bearer ${firstToken}` } },
    );
    expect(stale.payload).toMatchObject({ status: 401, error_code: 'TOKEN_EXPIRED' });
    await alice.session.execute('/who');
    await alice.out.waitFor(/^nobody you share a conversation with is online$/);
    expect(alice.out.lines.filter((l) => l.startsWith('!'))).toEqual([]);
    await alice.session.quit();
  });
});

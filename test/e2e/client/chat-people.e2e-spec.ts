/**
 * The chat CLI (in-process ChatSession over the real server) by username: friend requests shown
 * as they arrive, /accept, /contacts, /to <username>, /whois, /find, /block; and it reconnects by
 * itself, says so, and shows what was sent during the gap.
 */
import { ConnectionRegistry } from '../../../src/transport/connection-registry';
import { chatUser } from '../../support/chat-helpers';
import { startTestApp, TestApp } from '../../support/test-app';

describe('chat CLI by username (in-process ChatSession)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ PRESENCE_DEBOUNCE_MS: '0' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('friend request live, accept, contacts, message by username, whois, find, block', async () => {
    const alice = await chatUser(app);
    const bob = await chatUser(app);

    await alice.session.execute(`/add ${bob.username} we met at the meetup`);
    await alice.out.waitFor(new RegExp(`^add: ${bob.username} \\[${bob.userId}\\] friend request sent$`));
    await bob.out.waitFor(new RegExp(`^\\* friend request from ${alice.username}: "we met at the meetup" — /accept ${alice.username} or /decline ${alice.username}$`));

    await bob.session.execute(`/accept ${alice.username}`);
    await bob.out.waitFor(new RegExp(`^accept: ${alice.username} \\[${alice.userId}\\] contact$`));
    await alice.out.waitFor(new RegExp(`^\\* ${bob.username} accepted your friend request$`));

    await alice.session.execute('/contacts');
    await alice.out.waitFor(/^1 contact\(s\):$/);
    await alice.out.waitFor(new RegExp(`^  ${bob.username} \\[${bob.userId}\\] contact$`));

    await alice.session.execute(`/to ${bob.username.toUpperCase()} hello by name`);
    await bob.out.waitFor(new RegExp(`\\] @${alice.username} <${alice.username}> hello by name$`));

    await bob.session.execute(`/whois ${alice.username}`);
    await bob.out.waitFor(new RegExp(`^${alice.username} \\[${alice.userId}\\] contact$`));
    await bob.session.execute(`/find ${alice.username}`);
    await bob.out.waitFor(/^1 user\(s\):$/);

    await bob.session.execute(`/block ${alice.username}`);
    await bob.out.waitFor(new RegExp(`^block: ${alice.username} \\[${alice.userId}\\] blocked by you$`));
    await alice.out.waitFor(new RegExp(`^\\* ${bob.username} removed you from their contacts$`));
    await alice.session.execute(`/to ${bob.userId} still there?`);
    // To the blocked user the blocker is absent, as an id nobody has (#18.5).
    await alice.out.waitFor(/^! message\/send failed: 404 USER_NOT_FOUND: /);
    await alice.session.execute('/whois nobody_here_at_all');
    await alice.out.waitFor(/^! user\/profile failed: 404 USER_NOT_FOUND: /);
  });

  it('reconnects by itself, says so, and shows what was sent during the gap', async () => {
    const alice = await chatUser(app);
    const bob = await chatUser(app);
    const conv = `] @${bob.username} <${bob.username}>`;
    await bob.session.execute(`/to ${alice.username} before`);
    await alice.out.waitFor(/ before$/);

    const back = new Promise<void>((resolve) => alice.session.once('reconnected', () => resolve()));
    for (const conn of app.app.get(ConnectionRegistry).forUser(alice.userId)) conn.socket.destroy();
    await alice.out.waitFor(/^! connection lost; reconnecting…$/);
    await bob.session.execute(`/to ${alice.username} during the gap`);
    await back;
    await alice.out.waitFor(/^reconnected; catching up on what was missed$/);
    await alice.out.waitFor(new RegExp(`@${bob.username} <${bob.username}> during the gap$`));
    await bob.session.execute(`/to ${alice.username} after`);
    await alice.out.waitFor(new RegExp(`@${bob.username} <${bob.username}> after$`));
    expect(alice.out.lines.filter((l) => l.includes(conv))).toHaveLength(3);
  });
});

describe('#18.11 the chat CLI never prints a peer’s control or bidi characters raw', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('a message, a display name and a friend-request note with ESC/CR/BEL/bidi reach the reader escaped', async () => {
    const alice = await chatUser(app);
    const bob = await chatUser(app);
    const evil = '\u001b]0;pwned\u0007\u001b[2K\rfake \u202eoverride';
    await bob.client.call('user/profile', { display_name: `bob${evil}` });
    await bob.client.call('contact/request', { user_id: alice.userId, note: evil });
    await alice.out.waitFor(/^\* friend request from /);
    await bob.client.call('message/send', { target: { type: 'user', id: alice.userId }, content: { type: 'text', text: evil } });
    await alice.out.waitFor(/fake \\u202eoverride$/);
    await alice.session.execute(`/whois ${bob.username}`);
    await alice.out.waitFor(new RegExp(`^${bob.username} \\(bob`));
    const printed = alice.out.lines.join('\n');
    expect(printed).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(printed).toContain('\\x1b]0;pwned\\x07\\x1b[2K\\x0dfake \\u202eoverride');
  });
});

/**
 * The SDK's persistent stream position (FileCursorStore): an application that restarts with the
 * same store gets what arrived while it was gone, once, in order — not the history from the
 * beginning — including messages that came in the same socket chunk as the login answer (held
 * until the caller attached its listeners). A store file that cannot be read is a first run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileCursorStore } from '../../../src/client/file-cursor-store';
import { SwitchboardSession } from '../../../src/client/session';
import { startTestApp, TestApp } from '../../support/test-app';
import { LoggedInUser, registerAndLogin, registerUser, RegisteredUser } from '../../support/users';
import { FAST, Inbox, next } from './sdk-helpers';

describe('SDK cursor store', () => {
  let app: TestApp;
  let alice: LoggedInUser;
  let bob: RegisteredUser;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-cursor-'));
  const text = (t: string) => ({ type: 'text', text: t });

  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0' });
    alice = await registerAndLogin(app);
    bob = await registerUser(app);
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const start = (store: FileCursorStore) =>
    SwitchboardSession.start({
      ...FAST,
      port: app.tcpPort,
      username: bob.username,
      password: bob.password,
      device: 'daemon',
      cursorStore: store,
      autoAck: 'delivered',
    });
  const send = (t: string) =>
    alice.client.call('message/send', {
      target: { type: 'user', id: bob.userId },
      content: text(t),
    });

  it('a restarted session resumes where the last one stopped: only the new messages, once, in order', async () => {
    const store = new FileCursorStore(path.join(dir, 'bob', 'cursor.json'));
    for (const t of ['old 1', 'old 2']) await send(t);
    const first = await start(store);
    const inbox1 = new Inbox(first);
    expect((await inbox1.waitForCount(2)).map((m) => m.content.text)).toEqual(['old 1', 'old 2']);
    await send('live 3');
    await inbox1.waitForCount(3);
    await first.close();
    const saved = JSON.parse(fs.readFileSync(store.file, 'utf8'));
    expect(Object.values(saved.positions)).toEqual([3]);

    for (const t of ['away 4', 'away 5', 'away 6']) await send(t);
    const second = await start(store);
    const inbox2 = new Inbox(second);
    await next(second, 'synced');
    const got = await inbox2.waitForCount(3);
    expect(got.map((m) => [m.seq, m.content.text])).toEqual([
      [4, 'away 4'],
      [5, 'away 5'],
      [6, 'away 6'],
    ]);
    await send('live 7');
    await inbox2.waitForCount(4);
    expect(inbox2.messages.map((m) => m.seq)).toEqual([4, 5, 6, 7]);
    await second.close();
  });

  it('a store file that is not a position (torn, edited) starts from the beginning', async () => {
    const file = path.join(dir, 'garbage', 'cursor.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"cursor": 12, "positions": {"d-x": "many"');
    const store = new FileCursorStore(file);
    expect(store.load()).toBeUndefined();
    const session = await start(store);
    const inbox = new Inbox(session);
    await next(session, 'synced');
    // Everything bob may read, from the start (the first test sent 7).
    expect((await inbox.waitForCount(7)).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await session.close();
    expect(store.load()?.positions).toEqual({ [inbox.messages[0].conversation_id]: 7 });
  });
});

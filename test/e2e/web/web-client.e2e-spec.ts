/**
 * The reference web client (web/, served at /app with WEB_APP=on) in a real headless Chromium,
 * over the WebSocket port with the browser SDK bundle: two browser users and one TCP SDK user
 * chat with each other (typing and read state included), a file goes from a browser to the TCP
 * client and another back, and after the server restarts the pages reconnect by themselves and
 * keep chatting. With SCREENSHOTS=1 it refreshes docs/img/web-*.png.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createApp, SwitchboardApp } from '../../../src/bootstrap';
import { SwitchboardSession } from '../../../src/client/session';
import type { WireMessage } from '../../../src/shared/protocol/messages/message.messages';
import { ensureBrowserBundle, launchChromium } from '../../support/browser';
import { describeWith } from '../../support/requires';
import { createTestDatabase, TestDatabase } from '../../support/test-db';
import { closedPort } from '../../support/transport-helpers';
import { registerUser, RegisteredUser } from '../../support/users';

const SHOTS = process.env.SCREENSHOTS === '1' ? path.resolve(__dirname, '../../../docs/img') : undefined;

async function signIn(page: Page, url: string, user: RegisteredUser): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Username', { exact: true }).fill(user.username);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByLabel('Password', { exact: true }).press('Enter');
  await page.waitForSelector('body[data-state=connected]');
}

async function openChat(page: Page, username: string): Promise<void> {
  await page.getByLabel('Chat with (username)').fill(username);
  await page.getByLabel('Chat with (username)').press('Enter');
  await page.locator('#conversation-title', { hasText: username }).waitFor();
}

async function say(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByLabel('Message', { exact: true }).press('Enter');
}

const message = (page: Page, text: string) => page.locator('#messages li', { hasText: text }).waitFor();

/** Resolves with the first message (live or caught up) that matches. */
function nextMessage(session: SwitchboardSession, match: (m: WireMessage) => boolean): Promise<WireMessage> {
  return new Promise((resolve) => {
    const on = (m: WireMessage) => {
      if (!match(m)) return;
      session.off('message', on);
      resolve(m);
    };
    session.on('message', on);
  });
}

describeWith({ chromium: true }, 'reference web client in Chromium', () => {
  let db: TestDatabase;
  let app: SwitchboardApp | undefined;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let carol: SwitchboardSession | undefined;
  let env: Record<string, string | undefined>;
  let storage: string;

  beforeAll(async () => {
    ensureBrowserBundle();
    db = await createTestDatabase();
    storage = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-web-'));
    const [httpPort, wsPort, tcpPort] = [await closedPort(), await closedPort(), await closedPort()];
    env = {
      NODE_ENV: 'test',
      TCP_HOST: '127.0.0.1',
      TCP_PORT: String(tcpPort),
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      WS_PORT: String(wsPort),
      WEB_APP: 'on',
      WS_ALLOWED_ORIGINS: `http://127.0.0.1:${httpPort}`,
      FILE_PORT: '0',
      FILE_STORAGE_DIR: storage,
      // The same key across the restart: tokens issued before it stay valid.
      AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
      RATE_LIMIT_CONN_RPS: '0',
      RATE_LIMIT_USER_RPS: '0',
      PRESENCE_DEBOUNCE_MS: '100',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
      ...db.env,
    };
    app = await createApp({ env });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await carol?.close();
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await app?.close();
    await db.drop();
    fs.rmSync(storage, { recursive: true, force: true });
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 720 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error(`browser error: ${err.message}`));
    return page;
  }

  it('two browser users and a TCP user chat, send files both ways, and survive a server restart', async () => {
    const url = `http://127.0.0.1:${app!.httpPort}/app/`;
    const [alice, bob, carolUser] = await Promise.all(['alice', 'bob', 'carol'].map((prefix) => registerUser({ tcpPort: app!.tcpPort }, { prefix })));
    carol = await SwitchboardSession.start({ port: app!.tcpPort, username: carolUser.username, password: carolUser.password, reconnect: { baseMs: 100, maxMs: 1000 } });

    // Sign in (the page is served by the ops port and connects to WS_PORT).
    const a = await newPage();
    await a.goto(url);
    await a.getByLabel('Username', { exact: true }).waitFor();
    if (SHOTS) await a.screenshot({ path: path.join(SHOTS, 'web-sign-in.png') });
    await signIn(a, url, alice);
    const b = await newPage();
    await signIn(b, url, bob);

    // Browser to browser, with typing and read state.
    await openChat(a, bob.username);
    await say(a, 'hello bob, from a browser');
    await b.locator('#conversations button', { hasText: alice.username }).click();
    await message(b, 'hello bob, from a browser');
    await b.getByLabel('Message', { exact: true }).pressSequentially('typing');
    await a.locator('#typing', { hasText: `${bob.username} is typing` }).waitFor();
    await b.getByLabel('Message', { exact: true }).fill('');
    await say(b, 'hi alice, browser here too');
    await message(a, 'hi alice, browser here too');
    await a.waitForFunction("document.getElementById('typing').textContent === ''");
    // Bob opened the conversation, so alice's message shows as read.
    await a.locator('#seen', { hasText: 'Seen' }).waitFor();

    // TCP user ↔ browser.
    const toCarol = nextMessage(carol, (m) => m.sender_id === alice.userId && m.content.type === 'text');
    await carol.send({ type: 'user', id: alice.userId }, 'hello alice, from a TCP client');
    await a.locator('#conversations button', { hasText: carolUser.username }).click();
    await message(a, 'hello alice, from a TCP client');
    await say(a, 'hello carol, from a browser');
    expect((await toCarol).content).toMatchObject({ type: 'text', text: 'hello carol, from a browser' });

    // A file from the browser to the TCP client, checked byte for byte (the SDK checks sha256).
    const notes = randomBytes(300 * 1024);
    const fileRef = nextMessage(carol, (m) => m.content.type === 'file-ref');
    await a.locator('#file-input').setInputFiles({ name: 'notes.bin', mimeType: 'application/octet-stream', buffer: notes });
    await a.locator('#transfers div', { hasText: 'Uploaded notes.bin' }).waitFor();
    const ref = await fileRef;
    const received: Buffer[] = [];
    await carol.connection!.download(String(ref.content.file_id), new Writable({ write: (c, _e, cb) => (received.push(c), cb()) }));
    expect(Buffer.concat(received).equals(notes)).toBe(true);

    // And one from the TCP client to the browser, downloaded with progress.
    const report = randomBytes(200 * 1024);
    await carol.connection!.upload(report, { type: 'user', id: alice.userId }, { fileName: 'report.bin' });
    const downloading = a.waitForEvent('download');
    await a.getByRole('button', { name: 'Download report.bin' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('report.bin');
    expect(fs.readFileSync((await download.path())!).equals(report)).toBe(true);
    await a.locator('#transfers div', { hasText: 'Downloaded report.bin' }).waitFor();
    if (SHOTS) {
      await a.screenshot({ path: path.join(SHOTS, 'web-conversation.png') });
      await b.screenshot({ path: path.join(SHOTS, 'web-inbox.png') });
    }

    // The server restarts (same database, storage, ports and signing key): every client reconnects.
    await app!.close();
    app = undefined;
    await a.waitForSelector('body[data-state=reconnecting]');
    app = await createApp({ env });
    await Promise.all([a.waitForSelector('body[data-state=connected]'), b.waitForSelector('body[data-state=connected]')]);
    await b.locator('#conversation-title', { hasText: alice.username }).waitFor();
    await say(b, 'still here after the restart');
    await a.locator('#conversations button', { hasText: bob.username }).click();
    await message(a, 'still here after the restart');
    await carol.send({ type: 'user', id: alice.userId }, 'TCP client back too');
    await a.locator('#conversations button', { hasText: carolUser.username }).click();
    await message(a, 'TCP client back too');
  }, 120_000);
});

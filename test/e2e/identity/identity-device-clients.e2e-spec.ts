/**
 * Device sign-in from the clients: the SDK's deviceSignIn and the chat CLI's --sso (ChatSession
 * in process), against the real app and a real OpenID Provider (test/support/oidc-provider.ts),
 * with the approval scripted over HTTP as soon as the client shows the code.
 */
import { parseCliArgs } from '../../../src/client/cli/chat-cli';
import { ChatSession } from '../../../src/client/cli/chat-session';
import { deviceSignIn, SwitchboardSession } from '../../../src/client';
import { LineLog } from '../../support/chat-helpers';
import { startOidcProvider, TestOidcProvider } from '../../support/oidc-provider';
import { startTestApp, TestApp } from '../../support/test-app';
import { uniqueUsername } from '../../support/users';

jest.setTimeout(60_000);

describe('identity: device sign-in from the SDK and the chat CLI', () => {
  let op: TestOidcProvider;
  let app: TestApp;
  beforeAll(async () => {
    op = await startOidcProvider();
    app = await startTestApp({ IDENTITY_OIDC_PROVIDERS: JSON.stringify([op.settings('corp')]) });
  });
  afterAll(async () => {
    await app?.close();
    await op?.close();
  });

  it('SDK: deviceSignIn shows the code, waits for the approval, and its refresh token starts a session', async () => {
    const sub = `sub-${uniqueUsername('sdk')}`;
    await op.addAccount({ sub, preferred_username: uniqueUsername('sdkuser') });
    let approval: Promise<void> | undefined;
    const tokens = await deviceSignIn({
      port: app.tcpPort,
      provider: 'corp',
      device: 'headless',
      onCode: (code) => {
        expect(code.verification_uri).toBe(`${op.issuer}/device`);
        approval = op.approveDevice(code.user_code, sub);
      },
    });
    await approval;
    expect(tokens).toMatchObject({ status: 200, state: 'done' });
    const session = await SwitchboardSession.start({ port: app.tcpPort, refreshToken: tokens.refresh_token as string, device: 'headless' });
    try {
      expect(session.userId).toBe(tokens.user_id);
    } finally {
      await session.close();
    }
  });

  it('SDK: a denied sign-in rejects with the reason', async () => {
    let approval: Promise<void> | undefined;
    const signIn = deviceSignIn({ port: app.tcpPort, provider: 'corp', onCode: (code) => (approval = op.approveDevice(code.user_code, 'x', { deny: true })) });
    await expect(signIn).rejects.toThrow(/device sign-in denied/);
    await approval;
  });

  it('chat CLI: --sso prints the address and the code, then logs in as the provisioned user', async () => {
    expect(parseCliArgs(['--sso', 'corp'])).toMatchObject({ sso: 'corp', user: '' });
    expect(() => parseCliArgs(['--sso', 'corp', '--register'])).toThrow(/--sso/);
    expect(() => parseCliArgs([])).toThrow(/--user is required \(or --sso/);

    const sub = `sub-${uniqueUsername('cli')}`;
    const username = uniqueUsername('cliuser');
    await op.addAccount({ sub, preferred_username: username });
    const out = new LineLog();
    const chat = new ChatSession({ port: app.tcpPort, print: out.push, device: 'cli' });
    try {
      const login = chat.deviceLogin('corp');
      const line = await out.waitFor(/enter the code/);
      const code = /enter the code (\S+)/.exec(line)![1];
      expect(line).toContain(op.issuer);
      await op.approveDevice(code, sub);
      expect(await login).toBe(true);
      await out.waitFor(new RegExp(`logged in as ${username}`));
      expect(chat.username).toBe(username);
    } finally {
      await chat.quit();
    }
  });
});

/**
 * OpenID Connect sign-in against a real OpenID Provider (the `oidc-provider` package, started by
 * the spec on loopback, test/support/oidc-provider.ts): a real ID token from it, forged, expired,
 * wrong-audience, wrong-issuer and replayed-nonce tokens refused, key rotation, the device flow
 * end to end with a scripted approval, provisioning and collisions, back-channel logout.
 */
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { UsersService } from '../../../src/modules/auth/users.service';
import { startOidcProvider, TestOidcProvider, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET } from '../../support/oidc-provider';
import { startTestApp, TestApp } from '../../support/test-app';
import { registerUser, uniqueUsername } from '../../support/users';

jest.setTimeout(60_000);

const CLIENT_INFO = { device: 'laptop', version: 'test-0.1.0' };

async function idLogin(client: SwitchboardClient, idToken: string, nonce?: string) {
  const payload = (await client.request('auth/login', { provider: 'corp', id_token: idToken, ...(nonce ? { nonce } : {}), client_info: CLIENT_INFO })).payload;
  if (payload.status === 200) client.token = payload.token;
  return payload;
}

/** The device flow run by the spec itself as an OAuth client: a real ID token from the provider. */
async function realIdToken(op: TestOidcProvider, accountId: string): Promise<string> {
  const basic = `Basic ${Buffer.from(`${OIDC_CLIENT_ID}:${OIDC_CLIENT_SECRET}`).toString('base64')}`;
  const form = (params: Record<string, string>) => ({ method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params) });
  const device = (await (await fetch(`${op.issuer}/device/auth`, form({ scope: 'openid profile email' }))).json()) as { device_code: string; user_code: string };
  await op.approveDevice(device.user_code, accountId);
  const tokens = (await (await fetch(`${op.issuer}/token`, form({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: device.device_code }))).json()) as { id_token: string };
  expect(typeof tokens.id_token).toBe('string');
  return tokens.id_token;
}

/** Polls auth/oidc-poll at the interval the server asks for, until the state is final. */
async function pollUntilFinal(client: SwitchboardClient, handle: string, interval: number) {
  let wait = interval;
  for (let i = 0; i < 30; i++) {
    // RFC 8628: the client waits `interval` seconds between polls; this is the protocol, not a sync.
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    const answer = await client.call('auth/oidc-poll', { handle });
    if (answer.state !== 'pending' && answer.state !== 'slow_down') return answer;
    wait = answer.interval as number;
  }
  throw new Error('device sign-in never finished');
}

describe('identity: OpenID Connect against a real oidc-provider', () => {
  let op: TestOidcProvider;
  let app: TestApp;
  beforeAll(async () => {
    op = await startOidcProvider();
    app = await startTestApp({
      IDENTITY_OIDC_PROVIDERS: JSON.stringify([op.settings('corp', { display_name: 'Corp SSO', admin_group: 'chat-admins' })]),
      // Key rotation is picked up at the first token with an unknown kid (no cooldown in the spec).
      IDENTITY_OIDC_JWKS_COOLDOWN_MS: '0',
    });
  });
  afterAll(async () => {
    await app?.close();
    await op?.close();
  });

  it('lists the provider with the id_token and device sign-in methods', async () => {
    const providers = await (await app.connect()).call('auth/providers');
    expect(providers.providers).toEqual([{ name: 'corp', type: 'oidc', display_name: 'Corp SSO', password: false, id_token: true, device_flow: true }]);
  });

  it('logs in with an ID token the provider issued, provisioning the user from its claims', async () => {
    const sub = `sub-${uniqueUsername('x')}`;
    const username = uniqueUsername('erin');
    await op.addAccount({ sub, preferred_username: username, name: 'Erin Example', email: `${username}@corp.example`, groups: ['staff', 'chat-admins'] });
    const client = await app.connect();
    const login = await idLogin(client, await realIdToken(op, sub));
    expect(login).toMatchObject({ status: 200 });
    expect(await app.app.get(UsersService).findById(login.user_id)).toMatchObject({ username, displayName: 'Erin Example', role: 'admin' });
    // The connection is logged in with Switchboard's own tokens.
    expect(await client.call('auth/sessions')).toMatchObject({ status: 200 });
  });

  it('refuses forged, expired, wrong-audience and wrong-issuer tokens, saying why', async () => {
    const client = await app.connect();
    const claims = { sub: `sub-${uniqueUsername('y')}`, preferred_username: uniqueUsername('mallory') };
    const refusals: [string, string][] = [
      [await op.mint(claims, { key: await op.strangerKey() }), 'signature does not verify'],
      [await op.mint(claims, { issuedAt: Math.floor(Date.now() / 1000) - 3600, expiresIn: Math.floor(Date.now() / 1000) - 1800 }), 'expired'],
      [await op.mint({ ...claims, aud: 'another-client' }), 'audience does not include switchboard'],
      [await op.mint({ ...claims, iss: 'https://evil.example' }), 'issuer is not'],
      ['not.a.jwt', 'not a well-formed'],
    ];
    for (const [token, why] of refusals) {
      const answer = await idLogin(client, token);
      expect(answer).toMatchObject({ status: 401, error_code: 'ID_TOKEN_INVALID' });
      expect(answer.error_message).toContain(why);
    }
    // A token minted the same way with the provider's real key is fine: the refusals are the claims'.
    expect(await idLogin(client, await op.mint(claims))).toMatchObject({ status: 200 });
  });

  it('accepts a nonce once: the replayed token and a wrong nonce are refused', async () => {
    const claims = { sub: `sub-${uniqueUsername('z')}`, preferred_username: uniqueUsername('nina'), nonce: 'n-0S6_WzA2Mj' };
    const token = await op.mint(claims);
    expect(await idLogin(await app.connect(), token, 'wrong-nonce')).toMatchObject({ status: 401, error_message: expect.stringContaining('nonce does not match') });
    expect(await idLogin(await app.connect(), token, 'n-0S6_WzA2Mj')).toMatchObject({ status: 200 });
    const replay = await idLogin(await app.connect(), token, 'n-0S6_WzA2Mj');
    expect(replay).toMatchObject({ status: 401, error_code: 'ID_TOKEN_INVALID' });
    expect(replay.error_message).toContain('already used');
    // Also without the client naming it: the token's nonce is spent.
    expect(await idLogin(await app.connect(), token)).toMatchObject({ status: 401, error_message: expect.stringContaining('already used') });
  });

  it('picks up a key rotation at the provider', async () => {
    const claims = { sub: `sub-${uniqueUsername('r')}`, preferred_username: uniqueUsername('rota') };
    expect(await idLogin(await app.connect(), await op.mint(claims))).toMatchObject({ status: 200 });
    const oldKey = op.currentKey();
    await op.rotateKeys();
    expect(await idLogin(await app.connect(), await op.mint(claims))).toMatchObject({ status: 200 });
    // The old key is gone from the provider's JWKS: a token signed with it is refused.
    const stale = await idLogin(await app.connect(), await op.mint(claims, { key: oldKey }));
    expect(stale).toMatchObject({ status: 401, error_code: 'ID_TOKEN_INVALID' });
  });

  it('links by sub: a changed username keeps the account; collisions get a suffix', async () => {
    const name = uniqueUsername('dave').slice(0, 24);
    const local = await registerUser(app, { username: name, password: 'local-password-1' });
    const sub = `sub-${uniqueUsername('d')}`;
    const first = await idLogin(await app.connect(), await op.mint({ sub, preferred_username: name, name: 'Dave One' }));
    const users = app.app.get(UsersService);
    expect(first.user_id).not.toBe(local.userId);
    expect(await users.findById(first.user_id)).toMatchObject({ username: `${name}-2`, displayName: 'Dave One' });
    const again = await idLogin(await app.connect(), await op.mint({ sub, preferred_username: `${name}-renamed`, name: 'Dave Renamed' }));
    expect(again.user_id).toBe(first.user_id);
    expect(await users.findById(first.user_id)).toMatchObject({ username: `${name}-2`, displayName: 'Dave Renamed' });
    const other = await idLogin(await app.connect(), await op.mint({ sub: `sub-${uniqueUsername('e')}`, preferred_username: name }));
    expect(await users.findById(other.user_id)).toMatchObject({ username: `${name}-3` });
  });

  it('runs the device flow end to end: start, approve in a "browser", poll, logged in', async () => {
    const sub = `sub-${uniqueUsername('dev')}`;
    const username = uniqueUsername('devon');
    await op.addAccount({ sub, preferred_username: username, name: 'Devon Device' });
    const cli = await app.connect();
    const started = await cli.call('auth/oidc-start', { provider: 'corp', client_info: { device: 'cli', version: 'test' } });
    expect(started).toMatchObject({ status: 200, verification_uri: `${op.issuer}/device`, interval: 1 });
    expect(started.handle).toMatch(/^dg-/);
    // Too early, and from another connection: nothing leaks.
    expect(await cli.call('auth/oidc-poll', { handle: started.handle })).toMatchObject({ state: 'slow_down' });
    expect((await (await app.connect()).request('auth/oidc-poll', { handle: started.handle })).payload).toMatchObject({ status: 404, error_code: 'NOT_FOUND' });

    await op.approveDevice(started.user_code, sub);
    const done = await pollUntilFinal(cli, started.handle, started.interval);
    expect(done).toMatchObject({ status: 200, state: 'done' });
    expect(await app.app.get(UsersService).findById(done.user_id)).toMatchObject({ username, displayName: 'Devon Device' });
    cli.token = done.token;
    expect((await cli.call('auth/sessions')).sessions).toEqual([expect.objectContaining({ device: 'cli', current: true })]);
    // The handle is spent.
    expect((await cli.request('auth/oidc-poll', { handle: started.handle })).payload).toMatchObject({ status: 404 });
  });

  it('reports a denied device sign-in', async () => {
    const cli = await app.connect();
    const started = await cli.call('auth/oidc-start', { provider: 'corp', client_info: { device: 'cli' } });
    await op.approveDevice(started.user_code, 'whoever', { deny: true });
    expect(await pollUntilFinal(cli, started.handle, started.interval)).toMatchObject({ state: 'denied' });
  });

  it('refuses device sign-in for an unknown provider', async () => {
    const answer = await (await app.connect()).request('auth/oidc-start', { provider: 'nope', client_info: CLIENT_INFO });
    expect(answer.payload).toMatchObject({ status: 404, error_code: 'NOT_FOUND' });
    expect(answer.payload.error_message).toContain('auth/providers');
  });

  it('ends every session of the user on a back-channel logout from the provider', async () => {
    const sub = `sub-${uniqueUsername('bcl')}`;
    const laptop = await app.connect();
    const session = await idLogin(laptop, await op.mint({ sub, preferred_username: uniqueUsername('leo') }));
    const url = `http://127.0.0.1:${app.httpPort}/identity/oidc/corp/backchannel-logout`;
    const post = async (logoutToken: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ logout_token: logoutToken }) });
    const events = { 'http://schemas.openid.net/event/backchannel-logout': {} };

    const forged = await post(await op.mint({ sub, events, jti: 'j-forged' }, { key: await op.strangerKey() }));
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ error: 'invalid_request' });

    const kicked = laptop.waitFor('auth/kick');
    const token = await op.mint({ sub, events, jti: `j-${uniqueUsername('j')}` });
    const ok = await post(token);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ revoked_sessions: 1 });
    expect((await kicked).payload).toEqual({ reason: 'provider_logout', session_id: session.session_id });
    expect((await (await app.connect()).request('auth/refresh', { refresh_token: session.refresh_token })).payload).toMatchObject({ status: 401, error_code: 'SESSION_REVOKED' });
    // The same logout token again: refused (jti used).
    expect((await post(token)).status).toBe(400);
  });
});

describe('identity: IDENTITY_OIDC_MAX_SESSION_AGE_S', () => {
  let op: TestOidcProvider;
  let app: TestApp;
  beforeAll(async () => {
    op = await startOidcProvider();
    app = await startTestApp({ IDENTITY_OIDC_PROVIDERS: JSON.stringify([op.settings('corp')]), IDENTITY_OIDC_MAX_SESSION_AGE_S: '1' });
  });
  afterAll(async () => {
    await app?.close();
    await op?.close();
  });

  it('refuses the refresh of an OIDC session older than the bound; a password account is not affected', async () => {
    const client = await app.connect();
    const session = await idLogin(client, await op.mint({ sub: `sub-${uniqueUsername('age')}`, preferred_username: uniqueUsername('aged') }));
    const young = await client.call('auth/refresh', { refresh_token: session.refresh_token });
    const local = await registerUser(app);
    const localClient = await app.connect();
    const localLogin = await localClient.call('auth/login', { username: local.username, password: local.password, client_info: CLIENT_INFO });
    // The bound is about the session's age: let more than 1 s pass (time, not synchronisation).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const old = await client.request('auth/refresh', { refresh_token: young.refresh_token });
    expect(old.payload).toMatchObject({ status: 401, error_code: 'SESSION_REVOKED' });
    expect(old.payload.error_message).toContain('sign in again');
    expect(await localClient.call('auth/refresh', { refresh_token: localLogin.refresh_token })).toMatchObject({ status: 200 });
  });
});

import { SessionsRepository } from '../../../src/modules/auth/sessions.repository';
import { hashRefreshToken } from '../../../src/modules/auth/token.service';
import { registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';

describe('auth/refresh: rotation and reuse detection over real TCP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('rotates: new access token, new refresh token, expiry; the new token works', async () => {
    const alice = await registerAndLogin(app);
    const r = await alice.client.call('auth/refresh', { refresh_token: alice.refreshToken });
    expect(r).toMatchObject({ status: 200, user_id: alice.userId, session_id: alice.sessionId, expires_in: 900, refresh_expires_in: 30 * 24 * 3600 });
    expect(r.token).not.toBe(alice.token);
    expect(r.refresh_token).toMatch(/^rt_/);
    expect(r.refresh_token).not.toBe(alice.refreshToken);
    alice.client.token = r.token;
    expect((await alice.client.call('auth/sessions')).sessions).toHaveLength(1);
    // ...and the new refresh token rotates again.
    const again = await alice.client.call('auth/refresh', { refresh_token: r.refresh_token });
    expect(again.refresh_token).not.toBe(r.refresh_token);
  });

  it('revokes the whole session when a rotated refresh token is presented again (401 REFRESH_REUSED) and kicks it', async () => {
    const alice = await registerAndLogin(app);
    const rotated = await alice.client.call('auth/refresh', { refresh_token: alice.refreshToken });
    alice.client.token = rotated.token;

    // Someone else replays the old refresh token from another connection.
    const thief = await app.connect();
    const reuse = await thief.request('auth/refresh', { refresh_token: alice.refreshToken });
    expect(reuse.payload).toMatchObject({ status: 401, error_code: 'REFRESH_REUSED' });

    // The legitimate connection is told why, then closed.
    const kick = await alice.client.waitFor('auth/kick');
    expect(kick.payload).toEqual({ reason: 'refresh_reused', session_id: alice.sessionId });
    await alice.client.closed;

    // Every token and refresh token of the session is dead.
    const probe = await app.connect();
    probe.token = rotated.token;
    expect((await probe.request('auth/sessions')).payload).toMatchObject({ status: 401, error_code: 'SESSION_REVOKED' });
    const newest = await probe.request('auth/refresh', { refresh_token: rotated.refresh_token });
    expect(newest.payload).toMatchObject({ status: 401, error_code: 'SESSION_REVOKED' });
    expect(thief.isOpen).toBe(true);
    expect(app.transport.registry.forUser(alice.userId).size).toBe(0);
  });

  it('answers a reuse on the session own connection with its 401 REFRESH_REUSED before auth/kick and the close', async () => {
    const alice = await registerAndLogin(app);
    const rotated = await alice.client.call('auth/refresh', { refresh_token: alice.refreshToken });
    alice.client.token = rotated.token;
    const reuse = await alice.client.request('auth/refresh', { refresh_token: alice.refreshToken });
    expect(reuse.payload).toMatchObject({ status: 401, error_code: 'REFRESH_REUSED' });
    const kick = await alice.client.waitFor('auth/kick', { includePast: true });
    expect(kick.payload).toEqual({ reason: 'refresh_reused', session_id: alice.sessionId });
    // (request() above would have rejected with "connection closed" had the kick come first.)
    await alice.client.closed;
  });

  it('treats two concurrent refreshes with the same token as reuse (exactly one wins)', async () => {
    const alice = await registerAndLogin(app);
    const other = await app.connect();
    const [a, b] = await Promise.all([
      other.request('auth/refresh', { refresh_token: alice.refreshToken }),
      (await app.connect()).request('auth/refresh', { refresh_token: alice.refreshToken }),
    ]);
    const codes = [a.payload.status, b.payload.status].sort();
    expect(codes).toEqual([200, 401]);
    expect([a, b].find((r) => r.payload.status === 401)!.payload.error_code).toBe('REFRESH_REUSED');
  });

  it('answers 401 REFRESH_INVALID for an unknown refresh token and 400 for a missing one', async () => {
    const client = await app.connect();
    const unknown = await client.request('auth/refresh', { refresh_token: 'rt_not-a-real-token' });
    expect(unknown.payload).toMatchObject({ status: 401, error_code: 'REFRESH_INVALID' });
    const missing = await client.request('auth/refresh', {});
    expect(missing.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(missing.payload.error_message).toContain('refresh_token');
  });

  it('binds an anonymous connection to the refreshed session (reconnect with a refresh token)', async () => {
    const alice = await registerAndLogin(app);
    await alice.client.close();
    const reconnected = await app.connect();
    const r = await reconnected.call('auth/refresh', { refresh_token: alice.refreshToken });
    expect(app.transport.registry.forSession(alice.sessionId).size).toBe(1);
    reconnected.token = r.token;
    expect((await reconnected.call('auth/sessions')).sessions[0]).toMatchObject({ session_id: alice.sessionId, current: true });
  });

  it('forgets retired refresh tokens older than the refresh TTL (they would have expired anyway)', async () => {
    const alice = await registerAndLogin(app);
    await alice.client.call('auth/refresh', { refresh_token: alice.refreshToken });
    const ttlMs = 30 * 24 * 3600 * 1000;
    const repo = app.app.get(SessionsRepository);
    // Not yet: a recently retired token is kept.
    await repo.pruneRetired(Date.now(), ttlMs);
    expect(await repo.findRetired(hashRefreshToken(alice.refreshToken))).toBe(alice.sessionId);
    // One TTL later it is gone, and replaying it is merely invalid (the session survives).
    expect(await repo.pruneRetired(Date.now() + ttlMs + 1000, ttlMs)).toBeGreaterThanOrEqual(1);
    const probe = await app.connect();
    expect((await probe.request('auth/refresh', { refresh_token: alice.refreshToken })).payload).toMatchObject({ status: 401, error_code: 'REFRESH_INVALID' });
    expect(alice.client.isOpen).toBe(true);
  });

  it("refuses another user's refresh token on a bound connection", async () => {
    const alice = await registerAndLogin(app);
    const bob = await registerAndLogin(app);
    const r = await alice.client.request('auth/refresh', { refresh_token: bob.refreshToken });
    expect(r.payload).toMatchObject({ status: 401, error_code: 'TOKEN_INVALID' });
    expect(app.transport.registry.forUser(alice.userId).size).toBe(1);
    // The refused attempt did not consume Bob's refresh token.
    expect(await bob.client.call('auth/refresh', { refresh_token: bob.refreshToken })).toMatchObject({ status: 200 });
  });
});

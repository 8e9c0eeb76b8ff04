import { login, registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';

describe('auth: logout, kick, sessions and the session policy over real TCP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(); // default policy: single-per-device
  });
  afterAll(async () => {
    await app.close();
  });

  describe('auth/logout', () => {
    it('revokes the session and unbinds the connection, which stays open', async () => {
      const alice = await registerAndLogin(app);
      const r = await alice.client.call('auth/logout');
      expect(r.revoked_sessions).toEqual([alice.sessionId]);
      expect(app.transport.registry.forUser(alice.userId).size).toBe(0);
      expect((await alice.client.request('auth/sessions')).payload).toMatchObject({ status: 401, error_code: 'SESSION_REVOKED' });
      expect(alice.client.isOpen).toBe(true);
      // The same connection can log in again.
      await login(alice.client, alice.username, alice.password);
      expect((await alice.client.call('auth/sessions')).sessions).toHaveLength(1);
    });

    it('with all_devices kicks the other devices (auth/kick then close)', async () => {
      const alice = await registerAndLogin(app, { device: 'laptop' });
      const phone = await app.connect();
      const phoneLogin = await login(phone, alice.username, alice.password, 'phone');
      const r = await alice.client.call('auth/logout', { all_devices: true });
      expect(r.revoked_sessions.sort()).toEqual([alice.sessionId, phoneLogin.session_id].sort());
      const kick = await phone.waitFor('auth/kick');
      expect(kick.payload).toEqual({ reason: 'logout_all_devices', session_id: phoneLogin.session_id });
      await phone.closed;
      expect(alice.client.isOpen).toBe(true);
      expect(app.transport.registry.forUser(alice.userId).size).toBe(0);
    });
  });

  describe('session policy single-per-device (default)', () => {
    it('a new login from the same device kicks the older session; another device stays', async () => {
      const alice = await registerAndLogin(app, { device: 'windows' });
      const phone = await app.connect();
      await login(phone, alice.username, alice.password, 'ios');
      const second = await app.connect();
      const secondLogin = await login(second, alice.username, alice.password, 'windows');

      const kick = await alice.client.waitFor('auth/kick');
      expect(kick.payload).toEqual({ reason: 'replaced', session_id: alice.sessionId });
      await alice.client.closed;
      const list = await second.call('auth/sessions');
      expect(list.sessions.map((s: { device: string }) => s.device).sort()).toEqual(['ios', 'windows']);
      expect(list.sessions.find((s: { current: boolean }) => s.current).session_id).toBe(secondLogin.session_id);
      expect(phone.isOpen).toBe(true);
      expect((await phone.request('auth/sessions')).payload.status).toBe(200);
    });

    it('logging in again on the same connection replaces its own session without closing it', async () => {
      const alice = await registerAndLogin(app, { device: 'cli' });
      const again = await login(alice.client, alice.username, alice.password, 'cli');
      expect(again.session_id).not.toBe(alice.sessionId);
      expect(alice.client.isOpen).toBe(true);
      expect((await alice.client.call('auth/sessions')).sessions).toEqual([expect.objectContaining({ session_id: again.session_id, current: true })]);
    });
  });

  describe('auth/kick', () => {
    it('lets an admin revoke a session: the user gets auth/kick {reason, session_id}, then the connection closes', async () => {
      const admin = await registerAndLogin(app, { role: 'admin' });
      const bob = await registerAndLogin(app);
      const r = await admin.client.call('auth/kick', { user_id: bob.userId, session_id: bob.sessionId });
      expect(r.revoked_sessions).toEqual([bob.sessionId]);
      const kick = await bob.client.waitFor('auth/kick');
      expect(kick).toMatchObject({ type: 'event', payload: { reason: 'admin', session_id: bob.sessionId } });
      await bob.client.closed;
      const probe = await app.connect();
      probe.token = bob.token;
      expect((await probe.request('auth/sessions')).payload).toMatchObject({ status: 401, error_code: 'SESSION_REVOKED' });
    });

    it('lets an admin revoke every session of a user', async () => {
      const admin = await registerAndLogin(app, { role: 'admin' });
      const bob = await registerAndLogin(app, { device: 'a' });
      const other = await app.connect();
      await login(other, bob.username, bob.password, 'b');
      const r = await admin.client.call('auth/kick', { user_id: bob.userId });
      expect(r.revoked_sessions).toHaveLength(2);
      await Promise.all([bob.client.closed, other.closed]);
      expect((await admin.client.call('auth/sessions', { user_id: bob.userId })).sessions).toEqual([]);
    });

    it("does not let a non-admin kick another user's session (403 FORBIDDEN), which keeps working", async () => {
      const mallory = await registerAndLogin(app);
      const bob = await registerAndLogin(app);
      const r = await mallory.client.request('auth/kick', { user_id: bob.userId, session_id: bob.sessionId });
      expect(r.payload).toMatchObject({ status: 403, error_code: 'FORBIDDEN' });
      expect((await bob.client.request('auth/sessions')).payload.status).toBe(200);
    });

    it("does not let a user revoke another user's session by naming it under their own user id", async () => {
      const mallory = await registerAndLogin(app);
      const bob = await registerAndLogin(app);
      const r = await mallory.client.request('auth/kick', { user_id: mallory.userId, session_id: bob.sessionId });
      expect(r.payload).toMatchObject({ status: 404, error_code: 'NOT_FOUND' });
      expect((await bob.client.request('auth/sessions')).payload.status).toBe(200);
    });

    it('lets a user revoke their own other session (a lost phone)', async () => {
      const alice = await registerAndLogin(app, { device: 'laptop' });
      const phone = await app.connect();
      const phoneLogin = await login(phone, alice.username, alice.password, 'phone');
      const r = await alice.client.call('auth/kick', { user_id: alice.userId, session_id: phoneLogin.session_id });
      expect(r.revoked_sessions).toEqual([phoneLogin.session_id]);
      expect((await phone.waitFor('auth/kick')).payload).toEqual({ reason: 'revoked', session_id: phoneLogin.session_id });
      await phone.closed;
    });

    it('answers 404 USER_NOT_FOUND for an unknown user', async () => {
      const admin = await registerAndLogin(app, { role: 'admin' });
      const r = await admin.client.request('auth/kick', { user_id: 'u-doesnotexist' });
      expect(r.payload).toMatchObject({ status: 404, error_code: 'USER_NOT_FOUND' });
    });
  });

  describe('auth/sessions', () => {
    it("lists my active sessions and refuses another user's to a non-admin", async () => {
      const alice = await registerAndLogin(app, { device: 'laptop' });
      const bob = await registerAndLogin(app);
      const mine = await alice.client.call('auth/sessions');
      expect(mine.sessions).toEqual([
        {
          session_id: alice.sessionId,
          device: 'laptop',
          client_version: 'test-0.1.0',
          remote_address: expect.any(String),
          created_at: expect.any(Number),
          last_used_at: expect.any(Number),
          expires_at: expect.any(Number),
          current: true,
        },
      ]);
      const theirs = await alice.client.request('auth/sessions', { user_id: bob.userId });
      expect(theirs.payload).toMatchObject({ status: 403, error_code: 'FORBIDDEN' });
      expect(JSON.stringify(theirs.payload)).not.toContain(bob.sessionId);
    });
  });
});

describe('auth: other session policies and closed registration', () => {
  it('single: any new login kicks every other session of the user', async () => {
    const app = await startTestApp({ AUTH_SESSION_POLICY: 'single' });
    try {
      const alice = await registerAndLogin(app, { device: 'laptop' });
      const phone = await app.connect();
      await login(phone, alice.username, alice.password, 'phone');
      expect((await alice.client.waitFor('auth/kick')).payload).toEqual({ reason: 'replaced', session_id: alice.sessionId });
      await alice.client.closed;
    } finally {
      await app.close();
    }
  });

  it('multi: logins from the same device coexist', async () => {
    const app = await startTestApp({ AUTH_SESSION_POLICY: 'multi' });
    try {
      const alice = await registerAndLogin(app, { device: 'laptop' });
      const second = await app.connect();
      await login(second, alice.username, alice.password, 'laptop');
      expect((await second.call('auth/sessions')).sessions).toHaveLength(2);
      expect((await alice.client.request('auth/sessions')).payload.status).toBe(200);
      expect(alice.client.events.filter((e) => e.command === 'auth/kick')).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('AUTH_REGISTRATION=closed answers 403 REGISTRATION_CLOSED', async () => {
    const app = await startTestApp({ AUTH_REGISTRATION: 'closed' });
    try {
      const client = await app.connect();
      const r = await client.request('auth/register', { username: 'someone', password: 'long-enough-1' });
      expect(r.payload).toMatchObject({ status: 403, error_code: 'REGISTRATION_CLOSED' });
    } finally {
      await app.close();
    }
  });
});

/**
 * LDAP sign-in against a real OpenLDAP server (Debian's slapd, started by the spec on loopback,
 * test/support/slapd.ts): search-then-bind, provisioning by entryUUID, collisions, injection,
 * a disabled entry refused at login and at the next refresh, the directory down → 503, and the
 * password-login policy.
 */
import * as net from 'node:net';
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { UsersService } from '../../../src/modules/auth/users.service';
import { describeWith } from '../../support/requires';
import { generatePki, TestPki } from '../../support/security-helpers';
import { PrivateSlapd, startSlapd } from '../../support/slapd';
import { startTestApp, TestApp } from '../../support/test-app';
import { login, registerUser, uniqueUsername } from '../../support/users';

const CLIENT_INFO = { device: 'laptop', version: 'test-0.1.0' };

async function ldapLogin(client: SwitchboardClient, username: string, password: string) {
  return (await client.request('auth/login', { provider: 'ldap', username, password, client_info: CLIENT_INFO })).payload;
}

describeWith({ slapd: true }, 'identity: LDAP sign-in against a real slapd', () => {
  let slapd: PrivateSlapd;
  let app: TestApp;
  beforeAll(async () => {
    slapd = await startSlapd();
    app = await startTestApp({ ...slapd.env, IDENTITY_LDAP_ADMIN_GROUP: 'chat-admins', AUTH_LOGIN_MAX_FAILURES: '50' });
  });
  afterAll(async () => {
    await app?.close();
    await slapd?.close();
  });

  it('lists the provider in auth/providers, before any login', async () => {
    const client = await app.connect();
    const providers = await client.call('auth/providers');
    expect(providers).toEqual({
      status: 200,
      password_login: 'on',
      providers: [{ name: 'ldap', type: 'ldap', display_name: 'Company directory', password: true, id_token: false, device_flow: false }],
    });
  });

  it('binds as the user, provisions the account on first login and links it by entryUUID, not by uid', async () => {
    const uid = uniqueUsername('jdoe');
    await slapd.addPerson({ uid, password: 'directory-pw-1', cn: 'Jane Doe', mail: `${uid}@example.org` });
    const client = await app.connect();
    const first = await ldapLogin(client, uid, 'directory-pw-1');
    expect(first).toMatchObject({ status: 200 });
    expect(first.token.split('.')).toHaveLength(3);
    const users = app.app.get(UsersService);
    const user = await users.findById(first.user_id);
    expect(user).toMatchObject({ username: uid, displayName: 'Jane Doe', role: 'user' });

    // Renamed in the directory: the same person (same entryUUID) reaches the same account.
    const renamed = uniqueUsername('jane');
    await slapd.renamePerson(uid, renamed);
    const again = await ldapLogin(await app.connect(), renamed, 'directory-pw-1');
    expect(again).toMatchObject({ status: 200, user_id: first.user_id });
    // And the old name no longer signs anyone in.
    expect(await ldapLogin(await app.connect(), uid, 'directory-pw-1')).toMatchObject({ status: 401, error_code: 'INVALID_CREDENTIALS' });

    // The provisioned account has no password of its own.
    const local = await (await app.connect()).request('auth/login', { username: uid, password: 'directory-pw-1', client_info: CLIENT_INFO });
    expect(local.payload).toMatchObject({ status: 401, error_code: 'INVALID_CREDENTIALS' });
  });

  it('answers a wrong password and an unknown user the same way', async () => {
    const uid = uniqueUsername('wrongpw');
    await slapd.addPerson({ uid, password: 'directory-pw-2' });
    const client = await app.connect();
    const wrong = await ldapLogin(client, uid, 'not-the-password');
    const unknown = await ldapLogin(client, uniqueUsername('nobody'), 'not-the-password');
    expect(wrong).toEqual({ status: 401, error_code: 'INVALID_CREDENTIALS', error_message: 'wrong username or password' });
    expect(unknown).toEqual(wrong);
  });

  it('matches an LDAP filter in the username literally: *)(uid=* signs in no one', async () => {
    const uid = uniqueUsername('victim');
    await slapd.addPerson({ uid, password: 'shared-pw-123' });
    const client = await app.connect();
    for (const attack of ['*)(uid=*', '*', `${uid})(|(uid=*`, `*)(|(objectClass=*`]) {
      expect(await ldapLogin(client, attack, 'shared-pw-123')).toMatchObject({ status: 401, error_code: 'INVALID_CREDENTIALS' });
    }
    expect(await ldapLogin(client, uid, 'shared-pw-123')).toMatchObject({ status: 200 });
  });

  it('resolves a username taken by a local account with a suffix, keeping both accounts apart', async () => {
    const name = uniqueUsername('carol').slice(0, 24);
    const local = await registerUser(app, { username: name, password: 'local-password-1' });
    await slapd.addPerson({ uid: name, password: 'directory-pw-3', cn: 'Carol From LDAP' });
    const viaLdap = await ldapLogin(await app.connect(), name, 'directory-pw-3');
    expect(viaLdap).toMatchObject({ status: 200 });
    expect(viaLdap.user_id).not.toBe(local.userId);
    expect(await app.app.get(UsersService).findById(viaLdap.user_id)).toMatchObject({ username: `${name}-2`, displayName: 'Carol From LDAP' });
    // The local account still signs in with its own password.
    const client = await app.connect();
    expect((await login(client, name, 'local-password-1')).user_id).toBe(local.userId);
  });

  it('makes members of the admin group admins', async () => {
    const uid = uniqueUsername('boss');
    await slapd.addPerson({ uid, password: 'directory-pw-4', groups: ['staff', 'Chat-Admins'] });
    const result = await ldapLogin(await app.connect(), uid, 'directory-pw-4');
    expect(await app.app.get(UsersService).findById(result.user_id)).toMatchObject({ role: 'admin' });
  });

  it('refuses a disabled entry at login, and at the next refresh of a user disabled meanwhile (all sessions end)', async () => {
    const off = uniqueUsername('gone');
    await slapd.addPerson({ uid: off, password: 'directory-pw-5', disabled: true });
    expect(await ldapLogin(await app.connect(), off, 'directory-pw-5')).toMatchObject({ status: 403, error_code: 'USER_DISABLED' });

    const uid = uniqueUsername('leaver');
    await slapd.addPerson({ uid, password: 'directory-pw-6' });
    const laptop = await app.connect();
    const phone = await app.connect();
    const a = await ldapLogin(laptop, uid, 'directory-pw-6');
    const b = (await phone.request('auth/login', { provider: 'ldap', username: uid, password: 'directory-pw-6', client_info: { device: 'phone' } })).payload;
    phone.token = b.token;
    // Still in the directory: the refresh goes through (and rotates).
    const ok = await laptop.call('auth/refresh', { refresh_token: a.refresh_token });
    await slapd.setDisabled(uid, true);
    const refused = await laptop.request('auth/refresh', { refresh_token: ok.refresh_token });
    expect(refused.payload).toMatchObject({ status: 403, error_code: 'USER_DISABLED' });
    expect(refused.payload.error_message).toContain('directory');
    // The other device is told and its token stops working.
    expect((await phone.waitFor('auth/kick')).payload).toEqual({ reason: 'user_disabled', session_id: b.session_id });
    const other = await (await app.connect()).request('auth/refresh', { refresh_token: b.refresh_token });
    expect(other.payload).toMatchObject({ status: 401, error_code: 'SESSION_REVOKED' });
  });

  it('refuses the refresh of a user deleted from the directory', async () => {
    const uid = uniqueUsername('deleted');
    await slapd.addPerson({ uid, password: 'directory-pw-7' });
    const client = await app.connect();
    const session = await ldapLogin(client, uid, 'directory-pw-7');
    await slapd.deletePerson(uid);
    expect((await client.request('auth/refresh', { refresh_token: session.refresh_token })).payload).toMatchObject({ status: 403, error_code: 'USER_DISABLED' });
  });

  it('answers 503 with retry_after_ms while the directory is down, for logins and refreshes, and recovers', async () => {
    const uid = uniqueUsername('outage');
    await slapd.addPerson({ uid, password: 'directory-pw-8' });
    const client = await app.connect();
    const session = await ldapLogin(client, uid, 'directory-pw-8');
    await slapd.stop();
    try {
      const down = await ldapLogin(await app.connect(), uid, 'directory-pw-8');
      expect(down).toMatchObject({ status: 503, error_code: 'UNAVAILABLE' });
      expect(down.retry_after_ms).toBeGreaterThanOrEqual(5000);
      // A wrong password is not "wrong" while the directory cannot tell: 503 too, never a login.
      expect(await ldapLogin(await app.connect(), uid, 'guess')).toMatchObject({ status: 503 });
      const refresh = await client.request('auth/refresh', { refresh_token: session.refresh_token });
      expect(refresh.payload).toMatchObject({ status: 503, error_code: 'UNAVAILABLE' });
    } finally {
      await slapd.start();
    }
    // The refresh token was not burnt by the refused refresh.
    expect(await client.call('auth/refresh', { refresh_token: session.refresh_token })).toMatchObject({ status: 200 });
  });
});

describeWith({ slapd: true }, 'identity: AUTH_PASSWORD_LOGIN policy', () => {
  let slapd: PrivateSlapd;
  beforeAll(async () => {
    slapd = await startSlapd();
  });
  afterAll(async () => {
    await slapd?.close();
  });

  it('off: password logins are refused, the directory still signs people in', async () => {
    const app = await startTestApp({ ...slapd.env, AUTH_PASSWORD_LOGIN: 'off' });
    try {
      const user = await registerUser(app);
      const client = await app.connect();
      const refused = await client.request('auth/login', { username: user.username, password: user.password, client_info: CLIENT_INFO });
      expect(refused.payload).toMatchObject({ status: 403, error_code: 'PASSWORD_LOGIN_DISABLED' });
      expect(refused.payload.error_message).toContain('auth/providers');
      expect((await client.call('auth/providers')).password_login).toBe('off');
      const uid = uniqueUsername('staff');
      await slapd.addPerson({ uid, password: 'directory-pw-9' });
      expect(await ldapLogin(client, uid, 'directory-pw-9')).toMatchObject({ status: 200 });
    } finally {
      await app.close();
    }
  });

  it('admins-only: an admin keeps a break-glass password login, other users are refused (after the password check)', async () => {
    const app = await startTestApp({ ...slapd.env, AUTH_PASSWORD_LOGIN: 'admins-only' });
    try {
      const admin = await registerUser(app, { role: 'admin' });
      const user = await registerUser(app);
      const client = await app.connect();
      expect((await login(client, admin.username, admin.password)).user_id).toBe(admin.userId);
      const refused = await (await app.connect()).request('auth/login', { username: user.username, password: user.password, client_info: CLIENT_INFO });
      expect(refused.payload).toMatchObject({ status: 403, error_code: 'PASSWORD_LOGIN_DISABLED' });
      const wrong = await (await app.connect()).request('auth/login', { username: user.username, password: 'wrong-password', client_info: CLIENT_INFO });
      expect(wrong.payload).toMatchObject({ status: 401, error_code: 'INVALID_CREDENTIALS' });
    } finally {
      await app.close();
    }
  });

  it('bounds a hung directory by IDENTITY_LDAP_TIMEOUT_MS: 503, not a hung login', async () => {
    // Accepts the TCP connection and never answers: the bind must give up on its own.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `ldap://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const app = await startTestApp({ ...slapd.env, IDENTITY_LDAP_URL: url, IDENTITY_LDAP_TIMEOUT_MS: '300', IDENTITY_LDAP_RETRY_AFTER_MS: '1000' });
    try {
      const started = Date.now();
      const answer = await ldapLogin(await app.connect(), 'anyone', 'any-password');
      expect(answer).toMatchObject({ status: 503, error_code: 'UNAVAILABLE' });
      expect(answer.retry_after_ms).toBeGreaterThanOrEqual(1000);
      expect(answer.retry_after_ms).toBeLessThanOrEqual(2000);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(sockets.length).toBeGreaterThan(0);
    } finally {
      await app.close();
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describeWith({ slapd: true }, 'identity: LDAP over TLS (StartTLS and LDAPS) against a real slapd', () => {
  let pki: TestPki;
  let slapd: PrivateSlapd;
  beforeAll(async () => {
    pki = generatePki();
    slapd = await startSlapd({ tls: { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caCert } });
  });
  afterAll(async () => {
    await slapd?.close();
    pki?.cleanup();
  });

  it('signs in over StartTLS and over ldaps:// with the configured CA, and refuses a directory whose certificate it cannot verify', async () => {
    const uid = uniqueUsername('tls');
    await slapd.addPerson({ uid, password: 'directory-pw-tls' });
    const variants: [Record<string, string>, number][] = [
      [{ IDENTITY_LDAP_STARTTLS: 'true', IDENTITY_LDAP_CA_FILE: pki.caCert }, 200],
      [{ IDENTITY_LDAP_URL: slapd.ldapsUrl!, IDENTITY_LDAP_CA_FILE: pki.caCert }, 200],
      // The system CAs do not know the test CA: the handshake fails → an outage, never a login.
      [{ IDENTITY_LDAP_URL: slapd.ldapsUrl! }, 503],
      [{ IDENTITY_LDAP_STARTTLS: 'true', IDENTITY_LDAP_CA_FILE: pki.rogueCaCert }, 503],
    ];
    for (const [env, status] of variants) {
      const app = await startTestApp({ ...slapd.env, ...env });
      try {
        expect(await ldapLogin(await app.connect(), uid, 'directory-pw-tls')).toMatchObject({ status });
      } finally {
        await app.close();
      }
    }
  });
});

/**
 * Two nodes (PostgreSQL + the Redis bus) and one real slapd: a user disabled in the directory is
 * refused on both. The documented bound (docs/identity.md, "Leaving"): an access token already
 * issued works until it expires (AUTH_ACCESS_TTL), the next refresh on any node asks the
 * directory; the first refusal revokes every session of the user and kicks their connections
 * on every node at once.
 */
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { describeWith } from '../../support/requires';
import { PrivateSlapd, startSlapd } from '../../support/slapd';
import { startTwoNodes, TestApp } from '../../support/test-app';
import { uniqueUsername } from '../../support/users';

jest.setTimeout(120_000);

async function ldapLogin(client: SwitchboardClient, username: string, password: string, device: string) {
  const payload = (await client.request('auth/login', { provider: 'ldap', username, password, client_info: { device } })).payload;
  client.token = payload.token;
  return payload;
}

describeWith({ postgres: true, redis: true, slapd: true }, 'identity: a user disabled in the directory, across two nodes', () => {
  let slapd: PrivateSlapd;
  let node1: TestApp;
  let node2: TestApp;
  beforeAll(async () => {
    slapd = await startSlapd();
    [node1, node2] = await startTwoNodes(slapd.env);
  });
  afterAll(async () => {
    await node2?.close();
    await node1?.close();
    await slapd?.close();
  });

  it('the refresh on node 2 is refused, and the session on node 1 is kicked and refused too', async () => {
    const uid = uniqueUsername('twonode');
    await slapd.addPerson({ uid, password: 'directory-pw-1' });
    const laptop = await node1.connect();
    const phone = await node2.connect();
    const a = await ldapLogin(laptop, uid, 'directory-pw-1', 'laptop');
    const b = await ldapLogin(phone, uid, 'directory-pw-1', 'phone');
    expect(b.user_id).toBe(a.user_id);
    expect(await laptop.call('auth/sessions')).toMatchObject({ status: 200 });

    await slapd.setDisabled(uid, true);
    const kicked = laptop.waitFor('auth/kick', { timeoutMs: 30_000 });
    const refused = await phone.request('auth/refresh', { refresh_token: b.refresh_token });
    expect(refused.payload).toMatchObject({ status: 403, error_code: 'USER_DISABLED' });
    expect((await kicked).payload).toEqual({ reason: 'user_disabled', session_id: a.session_id });
    const late = await (await node1.connect()).request('auth/refresh', { refresh_token: a.refresh_token });
    expect(late.payload).toMatchObject({ status: 401, error_code: 'SESSION_REVOKED' });
  });

  it('each node asks the directory itself: a refresh on node 1 alone is refused', async () => {
    const uid = uniqueUsername('onenode');
    await slapd.addPerson({ uid, password: 'directory-pw-2' });
    const client = await node1.connect();
    const session = await ldapLogin(client, uid, 'directory-pw-2', 'laptop');
    await slapd.setDisabled(uid, true);
    expect((await (await node2.connect()).request('auth/refresh', { refresh_token: session.refresh_token })).payload).toMatchObject({
      status: 403,
      error_code: 'USER_DISABLED',
    });
    // Re-enabled: a fresh login works again (the link is kept).
    await slapd.setDisabled(uid, false);
    const again = await ldapLogin(await node1.connect(), uid, 'directory-pw-2', 'laptop');
    expect(again.user_id).toBe(session.user_id);
  });
});

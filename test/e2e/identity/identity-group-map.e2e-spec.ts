/**
 * IDENTITY_GROUP_MAP against a real slapd: a directory group is a chat group. At each LDAP login
 * the user joins the mapped chat group while in the directory group and leaves it once out of it
 * (added and removed by the group's owner, with the usual notifications); a mapping to a chat
 * group that does not exist changes nothing and fails no login.
 */
import { describeWith } from '../../support/requires';
import { PrivateSlapd, startSlapd } from '../../support/slapd';
import { startTestApp, TestApp } from '../../support/test-app';
import { createTestDatabase, TestDatabase } from '../../support/test-db';
import { login, registerUser, uniqueUsername, type LoggedInUser } from '../../support/users';

const CLIENT_INFO = { device: 'laptop', version: 'test-0.1.0' };

describeWith({ slapd: true }, 'identity: directory groups mapped to chat groups', () => {
  let slapd: PrivateSlapd;
  let db: TestDatabase;
  let app: TestApp;
  let owner: LoggedInUser;
  let groupId: string;

  async function ldapLogin(uid: string, password: string): Promise<string> {
    const client = await app.connect();
    const answer = (await client.request('auth/login', { provider: 'ldap', username: uid, password, client_info: CLIENT_INFO })).payload;
    expect(answer).toMatchObject({ status: 200 });
    await client.close();
    return answer.user_id as string;
  }

  async function members(): Promise<string[]> {
    const answer = await owner.client.call('group/members', { conversation_id: groupId });
    return (answer.members as { user_id: string }[]).map((m) => m.user_id).sort();
  }

  beforeAll(async () => {
    slapd = await startSlapd();
    // The chat group exists before the map names it (operators create it, then map it): a first
    // app on the database creates it, the second starts with the map.
    db = await createTestDatabase();
    const first = await startTestApp({ ...db.env, ...slapd.env });
    const ownerAccount = await registerUser(first, { username: uniqueUsername('owner'), password: 'owner-password-1' });
    const ownerClient = await first.connect();
    await login(ownerClient, ownerAccount.username, ownerAccount.password);
    groupId = (await ownerClient.call('group/create', { name: 'Engineering', members: [] })).conversation_id as string;
    await first.close();
    app = await startTestApp({
      ...db.env,
      ...slapd.env,
      IDENTITY_GROUP_MAP: JSON.stringify({ 'CN=Engineering': groupId, sales: 'g-no-such-group' }),
    });
    owner = { ...ownerAccount, client: await app.connect() } as LoggedInUser;
    await login(owner.client, ownerAccount.username, ownerAccount.password);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await slapd?.close();
  });

  it('joins the chat group while in the directory group (case-insensitive), leaves it once out', async () => {
    const uid = uniqueUsername('eng');
    await slapd.addPerson({ uid, password: 'directory-pw-1', groups: ['cn=engineering', 'sales'] });
    const added = owner.client.waitFor((f) => f.command === 'notification/event' && f.payload.type === 'group.member_added');
    const userId = await ldapLogin(uid, 'directory-pw-1');
    expect(await members()).toEqual([owner.userId, userId].sort());
    // The members are told, as for a group/add by the owner.
    expect((await added).payload).toMatchObject({ conversation_id: groupId, by: owner.userId, members: [userId] });

    // A second login changes nothing.
    await ldapLogin(uid, 'directory-pw-1');
    expect(await members()).toEqual([owner.userId, userId].sort());

    // Out of the directory group: out of the chat group at the next login.
    await slapd.setGroups(uid, ['sales']);
    await ldapLogin(uid, 'directory-pw-1');
    expect(await members()).toEqual([owner.userId]);
  });

  it('leaves alone users in no mapped group, and the owner', async () => {
    const uid = uniqueUsername('other');
    await slapd.addPerson({ uid, password: 'directory-pw-2', groups: ['marketing'] });
    await ldapLogin(uid, 'directory-pw-2');
    expect(await members()).toEqual([owner.userId]);
  });
});

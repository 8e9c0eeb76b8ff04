/**
 * user/lookup and user/profile over real TCP: exact and prefix search, the page limit without
 * paging, LIKE wildcards taken literally, profile read/update, and the privacy rules: disabled
 * accounts, a blocked searcher, and DIRECTORY_VISIBILITY=contacts.
 */
import { UsersService } from '../../../src/modules/auth/users.service';
import { startTestApp, TestApp } from '../../support/test-app';
import { refusal, uniquePrefix, user } from './contact-helpers';

describe('directory (real TCP)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('finds a username exactly (case-insensitive) and by prefix, one page at most', async () => {
    const p = uniquePrefix('dir');
    const alice = await user(app, `${p}_Alice`);
    const alina = await user(app, `${p}_alina`);
    await user(app, `${p}_bob`);
    const searcher = await user(app, `${p}x_searcher`);

    const exact = await searcher.client.call('user/lookup', { query: `${p}_ALICE`.toUpperCase() });
    expect(exact.exact).toEqual({ user_id: alice.userId, username: `${p}_Alice`, display_name: `${p}_Alice`, status_text: null, contact: 'none' });
    expect(exact.users.map((u: any) => u.user_id)).toEqual([alice.userId]);

    const prefix = await searcher.client.call('user/lookup', { query: `${p}_ali` });
    expect(prefix.exact).toBeNull();
    expect(prefix.users.map((u: any) => u.user_id)).toEqual([alice.userId, alina.userId]);
    expect(prefix.has_more).toBe(false);

    // The page limit is the end: there is no cursor, a longer query narrows it.
    const limited = await searcher.client.call('user/lookup', { query: `${p}_`, limit: 2 });
    expect(limited.users).toHaveLength(2);
    expect(limited.has_more).toBe(true);
    expect(limited).not.toHaveProperty('next_cursor');

    // The searcher sees themselves as "self".
    const self = await searcher.client.call('user/lookup', { query: `${p}x_searcher` });
    expect(self.exact.contact).toBe('self');
  });

  it('takes "_" literally and lists nothing for a query under 3 characters', async () => {
    const p = uniquePrefix('lit');
    await user(app, `${p}xab`);
    const underscored = await user(app, `${p}_ab`);
    const searcher = await user(app, `${p}searcher`);
    // In SQL LIKE "_" matches any character: "<p>_" must not find "<p>xab".
    const found = await searcher.client.call('user/lookup', { query: `${p}_` });
    expect(found.users.map((u: any) => u.user_id)).toEqual([underscored.userId]);

    // Below 3 characters only an exact match counts (usernames have 3+): "li" lists nobody.
    await user(app, `li${p}`);
    expect(await searcher.client.call('user/lookup', { query: 'li' })).toEqual({ status: 200, exact: null, users: [], has_more: false });
  });

  it('refuses malformed lookups with 400 VALIDATION_FAILED naming the field', async () => {
    const searcher = await user(app, uniquePrefix('val'));
    for (const [payload, field] of [
      [{}, 'query'],
      [{ query: '' }, 'query'],
      [{ query: 'a%' }, 'query'],
      [{ query: 'x'.repeat(33) }, 'query'],
      [{ query: 'abc', limit: 21 }, 'limit'],
      [{ query: 'abc', limit: 0 }, 'limit'],
    ] as const) {
      const p = await refusal(searcher.client, 'user/lookup', payload);
      expect(p).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
      expect(p.fields.map((f: any) => f.field)).toContain(field);
    }
  });

  it('reads and updates profiles', async () => {
    const p = uniquePrefix('prof');
    const alice = await user(app, `${p}_alice`);
    const bob = await user(app, `${p}_bob`);

    const mine = await alice.client.call('user/profile', {});
    expect(mine.user).toMatchObject({ user_id: alice.userId, contact: 'self', status_text: null });

    const updated = await alice.client.call('user/profile', { display_name: '  Alice A.  ', status_text: 'on holiday' });
    expect(updated.user).toMatchObject({ display_name: 'Alice A.', status_text: 'on holiday' });

    const seen = await bob.client.call('user/profile', { username: `${p}_ALICE` });
    expect(seen.user).toEqual({ user_id: alice.userId, username: `${p}_alice`, display_name: 'Alice A.', status_text: 'on holiday', contact: 'none' });
    const byId = await bob.client.call('user/profile', { user_id: alice.userId });
    expect(byId.user.username).toBe(`${p}_alice`);

    // null clears the status text; display_name stays.
    const cleared = await alice.client.call('user/profile', { status_text: null });
    expect(cleared.user).toMatchObject({ display_name: 'Alice A.', status_text: null });

    for (const [payload, field] of [
      [{ user_id: bob.userId, display_name: 'Bob?' }, 'user_id'],
      [{ display_name: '   ' }, 'display_name'],
      [{ display_name: 'x'.repeat(65) }, 'display_name'],
      [{ status_text: 'x'.repeat(141) }, 'status_text'],
      [{ status_text: 5 }, 'status_text'],
    ] as const) {
      const err = await refusal(alice.client, 'user/profile', payload);
      expect(err).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
      expect(err.fields.map((f: any) => f.field)).toContain(field);
    }
    const unknown = await refusal(bob.client, 'user/profile', { username: `${p}_nobody` });
    expect(unknown).toMatchObject({ status: 404, error_code: 'USER_NOT_FOUND' });
  });

  it('never shows disabled accounts', async () => {
    const p = uniquePrefix('dis');
    const gone = await user(app, `${p}_gone`);
    const searcher = await user(app, `${p}_searcher`);
    await app.app.get(UsersService).setDisabled(gone.userId, true);
    const found = await searcher.client.call('user/lookup', { query: `${p}_gone` });
    expect(found).toMatchObject({ exact: null, users: [] });
    expect(await refusal(searcher.client, 'user/profile', { user_id: gone.userId })).toMatchObject({ status: 404, error_code: 'USER_NOT_FOUND' });
  });

  it('hides a blocker from the user they blocked, exactly like a name nobody has', async () => {
    const p = uniquePrefix('blk');
    const bob = await user(app, `${p}_bob`);
    const carol = await user(app, `${p}_carol`);
    await bob.client.call('contact/block', { user_id: carol.userId });

    const lookup = await carol.client.call('user/lookup', { query: `${p}_bob` });
    expect(lookup).toEqual({ status: 200, exact: null, users: [], has_more: false });
    const nobody = await carol.client.call('user/lookup', { query: `${p}_nobody` });
    expect(lookup).toEqual(nobody);
    const hidden = await refusal(carol.client, 'user/profile', { user_id: bob.userId });
    const missing = await refusal(carol.client, 'user/profile', { user_id: `u-${p}` });
    expect(hidden.error_code).toBe('USER_NOT_FOUND');
    expect(String(hidden.error_message).replace(bob.userId, 'X')).toBe(String(missing.error_message).replace(`u-${p}`, 'X'));

    // The blocker still finds the blocked user (to unblock them by name, for instance).
    const back = await bob.client.call('user/lookup', { query: `${p}_carol` });
    expect(back.exact).toMatchObject({ user_id: carol.userId, contact: 'blocked' });
  });
});

describe('directory with DIRECTORY_VISIBILITY=contacts (real TCP)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ DIRECTORY_VISIBILITY: 'contacts' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('shows only contacts and pending requests; a request by exact username still works', async () => {
    const p = uniquePrefix('vis');
    const dave = await user(app, `${p}_dave`);
    const erin = await user(app, `${p}_erin`);
    const frank = await user(app, `${p}_frank`);

    expect((await dave.client.call('user/lookup', { query: `${p}_erin` })).exact).toBeNull();
    expect(await refusal(dave.client, 'user/profile', { username: `${p}_erin` })).toMatchObject({ status: 404, error_code: 'USER_NOT_FOUND' });
    // Myself, always.
    expect((await dave.client.call('user/lookup', { query: `${p}_dave` })).exact.contact).toBe('self');

    await dave.client.call('contact/request', { username: `${p}_erin` });
    expect((await dave.client.call('user/lookup', { query: `${p}_erin` })).exact).toMatchObject({ user_id: erin.userId, contact: 'outgoing' });
    expect((await erin.client.call('user/lookup', { query: `${p}_` })).users).toEqual([expect.objectContaining({ user_id: dave.userId, contact: 'incoming' }), expect.objectContaining({ user_id: erin.userId, contact: 'self' })]);

    // A stranger sees neither.
    const strangers = await frank.client.call('user/lookup', { query: `${p}_` });
    expect(strangers.users.map((u: any) => u.user_id)).toEqual([frank.userId]);
  });
});

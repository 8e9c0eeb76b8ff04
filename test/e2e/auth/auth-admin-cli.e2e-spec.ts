import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { runAdmin } from '../../../src/cli/admin';
import { login, registerAndLogin, uniqueUsername } from '../../support/users';
import { ensureBuilt } from '../../support/spawn-server';
import { startTestApp, TestApp } from '../../support/test-app';

const CLI_ENTRY = path.resolve(__dirname, '../../../dist/src/cli/admin.js');

/** Runs the built CLI as a real process, like `npm run admin -- ...`. */
function spawnCli(args: string[], env: Record<string, string | undefined>, stdinText: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(stdinText);
  });
}

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

describe('admin CLI against the running server database', () => {
  let app: TestApp;
  beforeAll(async () => {
    // A short sweep so CLI revocations reach connected clients quickly.
    app = await startTestApp({ AUTH_REVOCATION_SWEEP_MS: '100' });
  });
  afterAll(async () => {
    await app.close();
  });

  async function admin(args: string[], stdinText = '') {
    const stdout = new Collect();
    const stderr = new Collect();
    const code = await runAdmin(args, { env: app.env, stdin: Readable.from([stdinText]), stdout, stderr });
    return { code, out: stdout.text, err: stderr.text };
  }

  it('user:create reads the password from stdin; user:list shows the account; the user can log in', async () => {
    const username = uniqueUsername('carol');
    const created = await admin(['user:create', username, '--admin'], 'pw-carol-12345\n');
    expect(created).toMatchObject({ code: 0 });
    expect(created.out).toMatch(new RegExp(`created admin ${username} \\(u-[0-9a-f]{16}\\)`));

    const list = await admin(['user:list']);
    expect(list.code).toBe(0);
    const row = list.out.split('\n').find((l) => l.includes(`\t${username}\t`));
    expect(row).toContain('\tadmin\t');

    const client = await app.connect();
    const payload = await login(client, username, 'pw-carol-12345');
    expect(payload.status).toBe(200);
    // The admin role set by the CLI is effective.
    const bob = await registerAndLogin(app);
    expect((await client.call('auth/sessions', { user_id: bob.userId })).sessions).toHaveLength(1);
  });

  it('session:list and session:revoke: the revoked session is kicked (event then close) and its token refused', async () => {
    const dave = await registerAndLogin(app, { device: 'tablet' });
    const list = await admin(['session:list', dave.username]);
    expect(list.code).toBe(0);
    expect(list.out).toContain(`${dave.sessionId}\ttablet\t`);

    const revoke = await admin(['session:revoke', dave.sessionId]);
    expect(revoke).toMatchObject({ code: 0, out: `revoked ${dave.sessionId}\n` });
    const kick = await dave.client.waitFor('auth/kick');
    expect(kick.payload).toEqual({ reason: 'admin', session_id: dave.sessionId });
    await dave.client.closed;

    const probe = await app.connect();
    probe.token = dave.token;
    expect((await probe.request('auth/sessions')).payload).toMatchObject({ status: 401, error_code: 'SESSION_REVOKED' });
    expect((await admin(['session:revoke', dave.sessionId])).out).toContain('already revoked');
  });

  it('user:disable revokes every session and refuses further logins with 403 USER_DISABLED', async () => {
    const erin = await registerAndLogin(app);
    const disabled = await admin(['user:disable', erin.username]);
    expect(disabled).toMatchObject({ code: 0 });
    expect(disabled.out).toContain('revoked 1 session(s)');
    expect((await erin.client.waitFor('auth/kick')).payload).toEqual({ reason: 'user_disabled', session_id: erin.sessionId });
    const client = await app.connect();
    const r = await client.request('auth/login', { username: erin.username, password: erin.password, client_info: { device: 'd' } });
    expect(r.payload).toMatchObject({ status: 403, error_code: 'USER_DISABLED' });
    expect((await admin(['user:enable', erin.username])).code).toBe(0);
    expect((await client.request('auth/login', { username: erin.username, password: erin.password, client_info: { device: 'd' } })).payload.status).toBe(200);
  });

  it('runs as a real process: user:create from piped stdin, user:list, usage errors', async () => {
    ensureBuilt();
    const username = uniqueUsername('proc');
    const created = await spawnCli(['user:create', username], app.env, 'pw-process-12345\n');
    expect(created.err).toBe('');
    expect(created).toMatchObject({ code: 0 });
    expect(created.out).toContain(`created user ${username}`);
    const list = await spawnCli(['user:list'], app.env, '');
    expect(list.code).toBe(0);
    expect(list.out).toContain(`\t${username}\tuser\t`);
    const client = await app.connect();
    expect((await login(client, username, 'pw-process-12345')).status).toBe(200);
    const bad = await spawnCli(['nope'], app.env, '');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown command "nope"');
  }, 180_000); // may have to build dist/ first

  it('explains bad usage with exit code 2', async () => {
    const unknown = await admin(['user:explode']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "user:explode"');
    expect(unknown.err).toContain('Usage: npm run admin');
    const weak = await admin(['user:create', uniqueUsername()], 'short\n');
    expect(weak.code).toBe(2);
    expect(weak.err).toContain('8-256 characters');
    const missing = await admin(['session:list', 'nobody-here']);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.err).toContain('no user named "nobody-here"');
  });
});

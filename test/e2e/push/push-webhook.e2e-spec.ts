/**
 * Push notifications through the webhook push gateway (Matrix push-gateway shape), end to end
 * over real TCP on the real database, against a local gateway that checks each request exactly
 * (path, headers, HMAC signature, body): an offline member gets one push per coalescing window,
 * a connected member none, a muted one only for a mention; preferences; a 5xx or 429 is retried
 * (Retry-After honoured) and succeeds; a rejected pushkey removes the device; logout removes the
 * session's tokens; device commands check input and ownership.
 */
import { createHmac } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { runAdmin } from '../../../src/cli/admin';
import { OnlineUsers } from '../../../src/modules/presence';
import { PushWorker } from '../../../src/modules/push';
import { login, LoggedInUser, registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { PushServer, RecordedRequest, startPushServer, until } from '../../support/push-servers';

const SECRET = 'test-gateway-secret-0123456789abcdef';
const WINDOW_MS = 1500;
const PATH = '/_matrix/push/v1/notify';

interface GatewayNotification {
  id: string;
  event_id: string;
  room_id: string;
  type: string;
  sender: string;
  sender_display_name?: string;
  prio: string;
  counts: { unread: number };
  content: { title: string; body: string };
  switchboard: { conversation_id: string; seq: number; message_id: string; pending: number; mention: boolean; collapse_key: string };
  devices: { app_id: string; pushkey: string; data: Record<string, unknown> }[];
}

/** Checks one gateway request exactly and returns its notification. */
function verified(r: RecordedRequest): GatewayNotification {
  expect(r.method).toBe('POST');
  expect(r.path).toBe(PATH);
  expect(r.headers['content-type']).toBe('application/json');
  const ts = r.headers['x-switchboard-timestamp'] as string;
  expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(30);
  const expected = `v1=${createHmac('sha256', SECRET).update(`${ts}.${r.body.toString('utf8')}`).digest('hex')}`;
  expect(r.headers['x-switchboard-signature']).toBe(expected);
  const body = JSON.parse(r.body.toString('utf8')) as { notification: GatewayNotification };
  expect(r.headers['idempotency-key']).toBe(body.notification.id);
  expect(Object.keys(body)).toEqual(['notification']);
  return body.notification;
}

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

async function metric(app: TestApp, series: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${app.httpPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const forKey = (key: string) => (r: RecordedRequest) => (JSON.parse(r.body.toString('utf8')) as { notification: GatewayNotification }).notification.devices[0].pushkey === key;

describe('push notifications through a webhook gateway', () => {
  let app: TestApp;
  let gateway: PushServer;
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  let carol: LoggedInUser;
  let groupId: string;
  let worker: PushWorker;

  const send = (from: LoggedInUser, text: string, mentions?: string[]) =>
    from.client.call('message/send', { target: { type: 'group', id: groupId }, content: { type: 'text', text, ...(mentions ? { mentions } : {}) } });

  /** Logs in on a fresh connection, registers a token, disconnects and waits until presence says offline. */
  async function offlineDevice(user: LoggedInUser, token: string): Promise<void> {
    const client = await app.connect();
    await login(client, user.username, user.password, 'phone');
    expect(await client.call('push/register', { platform: 'webhook', token, app_id: 'com.example.chat', locale: 'fr-FR' })).toMatchObject({ status: 200, device_id: expect.stringMatching(/^pd-/) });
    await client.close();
    if (user.client) await user.client.close();
    await until(async () => !(await app.app.get(OnlineUsers).among([user.userId])).has(user.userId), `${user.username} offline`);
  }

  beforeAll(async () => {
    gateway = await startPushServer();
    app = await startTestApp({
      PUSH_WEBHOOK_URL: `${gateway.url}${PATH}`,
      PUSH_WEBHOOK_SECRET: SECRET,
      PUSH_ALLOW_PRIVATE_URLS: 'on',
      PUSH_COALESCE_MS: String(WINDOW_MS),
      // Long enough for a 5-message burst to land inside it even on a loaded machine.
      PUSH_GRACE_MS: '1000',
      PUSH_WORKER_INTERVAL_MS: '50',
      PUSH_RETRY_BASE_MS: '100',
      PUSH_PREVIEW: 'full',
      RATE_LIMIT_CONN_RPS: '0',
      RATE_LIMIT_USER_RPS: '0',
    });
    worker = app.app.get(PushWorker);
    [alice, bob, carol] = [await registerAndLogin(app), await registerAndLogin(app), await registerAndLogin(app)];
    groupId = (await alice.client.call('group/create', { name: 'team', members: [bob.userId, carol.userId] })).conversation_id as string;
  });
  afterAll(async () => {
    await app?.close();
    await gateway?.close();
  });

  it('an offline member gets one push per coalescing window; a connected member none', async () => {
    // Carol stays connected, with a token of her own: she gets the messages live, no push.
    expect(await carol.client.call('push/register', { platform: 'webhook', token: 'carol-key' })).toMatchObject({ status: 200 });
    await offlineDevice(bob, 'bob-key');
    for (let i = 1; i <= 5; i++) await send(alice, `burst ${i}`);
    const [first] = await gateway.waitFor(1, forKey('bob-key'));
    const n = verified(first);
    expect(n).toMatchObject({
      room_id: groupId,
      type: 'm.room.message',
      sender: alice.userId,
      prio: 'low',
      devices: [{ app_id: 'com.example.chat', pushkey: 'bob-key', data: { locale: 'fr-FR' } }],
      switchboard: { conversation_id: groupId, mention: false, collapse_key: groupId },
    });
    // The burst is one push (all five were sent within the grace period); the badge is the unread total.
    expect(n.switchboard.pending).toBe(5);
    expect(n.counts.unread).toBe(5);
    expect(n.content.title).toBe(alice.username);
    expect(n.content.body).toBe('5 new messages');
    // More within the window: one more push, a window after the first.
    await send(alice, 'later 1');
    await send(alice, 'later 2');
    const pushes = await gateway.waitFor(2, forKey('bob-key'));
    const second = verified(pushes[1]);
    expect(pushes[1].at - pushes[0].at).toBeGreaterThanOrEqual(WINDOW_MS - 50);
    expect(second.switchboard).toMatchObject({ pending: 2 });
    expect(second.counts.unread).toBe(7);
    await worker.tick();
    await worker.tick();
    expect(gateway.requests.filter(forKey('bob-key'))).toHaveLength(2);
    expect(gateway.requests.filter(forKey('carol-key'))).toHaveLength(0);
  });

  it('muted: no push except for a mention; preferences: mentions only, none', async () => {
    const dave = await registerAndLogin(app);
    await alice.client.call('group/add', { conversation_id: groupId, members: [dave.userId] });
    await dave.client.call('conversation/mute', { conversation_id: groupId, muted: true });
    await offlineDevice(dave, 'dave-key');
    const before = gateway.requests.length;
    await send(alice, 'not for dave');
    await send(alice, 'hey dave', [dave.userId]);
    const [pushed] = await gateway.waitFor(1, forKey('dave-key'));
    const n = verified(pushed);
    // Only the mention counted: the plain message before it queued nothing for dave.
    expect(n.switchboard).toMatchObject({ mention: true, pending: 1 });
    expect(n.prio).toBe('high');
    expect(n.content.body).toBe('hey dave');
    await worker.tick();
    expect(gateway.requests.slice(before).filter(forKey('dave-key'))).toHaveLength(1);

    // Erin: level "mentions" (and direct); then "none".
    const erin = await registerAndLogin(app);
    await alice.client.call('group/add', { conversation_id: groupId, members: [erin.userId] });
    expect(await erin.client.call('push/settings', { level: 'mentions' })).toMatchObject({ status: 200, level: 'mentions', quiet_hours: null });
    await offlineDevice(erin, 'erin-key');
    await send(alice, 'group chatter');
    await alice.client.call('message/send', { target: { type: 'user', id: erin.userId }, content: { type: 'text', text: 'direct to erin' } });
    const [direct] = await gateway.waitFor(1, forKey('erin-key'));
    expect(verified(direct)).toMatchObject({ room_id: expect.stringMatching(/^d-/), content: { body: 'direct to erin' } });
    const erinAgain = await app.connect();
    await login(erinAgain, erin.username, erin.password);
    expect(await erinAgain.call('push/settings', { level: 'none' })).toMatchObject({ level: 'none' });
    await erinAgain.close();
    await until(async () => !(await app.app.get(OnlineUsers).among([erin.userId])).has(erin.userId), 'erin offline');
    await alice.client.call('message/send', { target: { type: 'user', id: erin.userId }, content: { type: 'text', text: 'another direct' } });
    const last = await send(alice, 'even a mention', [erin.userId]);
    // Bob (level all, offline) gets a push up to the group message: by then erin's would have been queued too.
    await gateway.waitFor(1, (r) => forKey('bob-key')(r) && verified(r).switchboard.message_id === last.message_id, 15_000);
    await worker.tick();
    expect(gateway.requests.filter(forKey('erin-key'))).toHaveLength(1);
  });

  it('quiet hours (in the user\'s time zone): the push is not sent', async () => {
    const quiet = await registerAndLogin(app);
    const hhmm = (d: Date) => `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    const now = Date.now();
    expect(await quiet.client.call('push/settings', { quiet_hours: { start: hhmm(new Date(now - 3600_000)), end: hhmm(new Date(now + 3600_000)), time_zone: 'UTC' } })).toMatchObject({ status: 200 });
    await offlineDevice(quiet, 'quiet-key');
    const skippedBefore = await metric(app, 'switchboard_push_skipped_total{reason="quiet-hours"}');
    await alice.client.call('message/send', { target: { type: 'user', id: quiet.userId }, content: { type: 'text', text: 'shh' } });
    await until(async () => (await metric(app, 'switchboard_push_skipped_total{reason="quiet-hours"}')) > skippedBefore, 'the push skipped for quiet hours');
    await worker.tick();
    expect(gateway.requests.filter(forKey('quiet-key'))).toHaveLength(0);
  });

  it('a 5xx and a 429 with Retry-After are retried until the gateway takes the push', async () => {
    const frank = await registerAndLogin(app);
    await alice.client.call('group/add', { conversation_id: groupId, members: [frank.userId] });
    await offlineDevice(frank, 'frank-key');
    gateway.script({ status: 503 }, { status: 429, headers: { 'retry-after': '1' } });
    const before = gateway.requests.length;
    await alice.client.call('message/send', { target: { type: 'user', id: frank.userId }, content: { type: 'text', text: 'retry me' } });
    const tries = await gateway.waitFor(3, (r) => forKey('frank-key')(r));
    const bodies = tries.map(verified);
    // The same push each time (same id), and the 429's Retry-After (1 s) was waited out.
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    expect(tries[2].at - tries[1].at).toBeGreaterThanOrEqual(950);
    expect(gateway.requests.length - before).toBe(3);
    await worker.tick();
    expect(gateway.requests.filter(forKey('frank-key'))).toHaveLength(3);
  });

  it('a pushkey the gateway rejects is removed; logout removes the session\'s tokens', async () => {
    const gina = await registerAndLogin(app);
    await alice.client.call('group/add', { conversation_id: groupId, members: [gina.userId] });
    await offlineDevice(gina, 'gina-key');
    gateway.fallback = (r) => (forKey('gina-key')(r) ? { status: 200, body: JSON.stringify({ rejected: ['gina-key'] }) } : { status: 200, body: '{}' });
    await alice.client.call('message/send', { target: { type: 'user', id: gina.userId }, content: { type: 'text', text: 'one' } });
    await gateway.waitFor(1, forKey('gina-key'));
    const ginaBack = await app.connect();
    await login(ginaBack, gina.username, gina.password);
    // Removed: unregistering it now answers as for a token never registered.
    await until(async () => (await ginaBack.request('push/unregister', { token: 'gina-key' })).payload.status === 404, 'dead token removed');
    gateway.fallback = () => ({ status: 200, body: '{}' });

    // Logout: the session's token goes with it (nothing is sent to it any more).
    const hank = await registerAndLogin(app);
    await alice.client.call('group/add', { conversation_id: groupId, members: [hank.userId] });
    expect(await hank.client.call('push/register', { platform: 'webhook', token: 'hank-key' })).toMatchObject({ status: 200 });
    // A second session of hank's, to look at the first one's token after its logout.
    const hankPhone = await app.connect();
    await login(hankPhone, hank.username, hank.password, 'phone');
    await hank.client.call('auth/logout', {});
    await hank.client.close();
    // Gone at once: unregistering it answers as for a token never registered.
    expect((await hankPhone.request('push/unregister', { token: 'hank-key' })).payload).toMatchObject({ status: 404 });
    await hankPhone.close();
    await until(async () => !(await app.app.get(OnlineUsers).among([hank.userId])).has(hank.userId), 'hank offline');
    await alice.client.call('message/send', { target: { type: 'user', id: hank.userId }, content: { type: 'text', text: 'after logout' } });
    const last = await send(alice, 'to all after hank left');
    await gateway.waitFor(1, (r) => forKey('bob-key')(r) && verified(r).switchboard.message_id === last.message_id, 15_000);
    await worker.tick();
    expect(gateway.requests.filter(forKey('hank-key'))).toHaveLength(0);
  });

  it('checks input and ownership with clear protocol errors', async () => {
    const me = await registerAndLogin(app);
    const stranger = await registerAndLogin(app);
    expect(await me.client.call('push/register', { platform: 'webhook', token: 'mine' })).toMatchObject({ status: 200 });
    const notConfigured = await me.client.request('push/register', { platform: 'fcm', token: 'x' });
    expect(notConfigured.payload).toMatchObject({ status: 400, error_code: 'PLATFORM_NOT_CONFIGURED', error_message: expect.stringContaining('webhook') });
    const badPlatform = await me.client.request('push/register', { platform: 'pager', token: 'x' });
    expect(badPlatform.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED', error_message: expect.stringContaining('platform') });
    const noToken = await me.client.request('push/register', { platform: 'webhook' });
    expect(noToken.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED', error_message: expect.stringContaining('token') });
    const badLocale = await me.client.request('push/register', { platform: 'webhook', token: 'y', locale: 'not a locale' });
    expect(badLocale.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED', error_message: expect.stringContaining('locale') });
    // Someone else's token answers exactly like one that does not exist.
    const theirs = await stranger.client.request('push/unregister', { token: 'mine' });
    const nobodys = await stranger.client.request('push/unregister', { token: 'nobody-has-this' });
    expect(theirs.payload).toMatchObject({ status: 404, error_code: 'NOT_FOUND' });
    expect(nobodys.payload).toEqual({ ...theirs.payload });
    expect(await me.client.call('push/unregister', { token: 'mine', platform: 'webhook' })).toMatchObject({ status: 200, removed: 1 });
    expect(await me.client.call('push/register', { platform: 'webhook', token: 'a' })).toMatchObject({ status: 200 });
    expect(await me.client.call('push/register', { platform: 'webhook', token: 'b' })).toMatchObject({ status: 200 });
    expect(await me.client.call('push/unregister', {})).toMatchObject({ status: 200, removed: 2 });

    expect(await me.client.call('push/settings', {})).toMatchObject({ status: 200, level: 'all', quiet_hours: null });
    const set = await me.client.call('push/settings', { level: 'mentions', quiet_hours: { start: '22:00', end: '07:30', time_zone: 'Europe/Paris' } });
    expect(set).toMatchObject({ level: 'mentions', quiet_hours: { start: '22:00', end: '07:30', time_zone: 'Europe/Paris' } });
    expect(await me.client.call('push/settings', { clear_quiet_hours: true })).toMatchObject({ level: 'mentions', quiet_hours: null });
    const badZone = await me.client.request('push/settings', { quiet_hours: { start: '22:00', end: '07:00', time_zone: 'Mars/Olympus' } });
    expect(badZone.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED', error_message: expect.stringContaining('time_zone') });
    const badTime = await me.client.request('push/settings', { quiet_hours: { start: '25:00', end: '07:00', time_zone: 'UTC' } });
    expect(badTime.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED', error_message: expect.stringContaining('HH:MM') });
    const badLevel = await me.client.request('push/settings', { level: 'loud' });
    expect(badLevel.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED', error_message: expect.stringContaining('level') });
    const anonymous = await (await app.connect()).request('push/register', { platform: 'webhook', token: 'z' });
    expect(anonymous.payload).toMatchObject({ status: 401 });
  });

  it('npm run admin -- push:test <user> sends a test push to each device and says what the provider answered; metrics count by platform and reason', async () => {
    const ivan = await registerAndLogin(app);
    expect(await ivan.client.call('push/register', { platform: 'webhook', token: 'ivan-key' })).toMatchObject({ status: 200 });
    const admin = async (args: string[]) => {
      const stdout = new Collect();
      const stderr = new Collect();
      const code = await runAdmin(args, { env: app.env, stdin: Readable.from(['']), stdout, stderr });
      return { code, out: stdout.text, err: stderr.text };
    };
    const ok = await admin(['push:test', ivan.username]);
    expect(ok).toMatchObject({ code: 0, err: '' });
    expect(ok.out).toMatch(/^pd-[0-9a-f]{24}\twebhook\tsent$/m);
    const [test] = await gateway.waitFor(1, forKey('ivan-key'));
    expect(verified(test)).toMatchObject({ switchboard: { test: true }, content: { title: 'Switchboard' } });
    // Connected or not, coalesced or not: a test goes at once; a dead token is reported and removed.
    gateway.script({ status: 200, body: JSON.stringify({ rejected: ['ivan-key'] }) });
    const dead = await admin(['push:test', ivan.username]);
    expect(dead.code).toBe(1);
    expect(dead.out).toMatch(/\twebhook\tdead-token: gateway rejected the pushkey \(token removed\)$/m);
    expect(await admin(['push:test', ivan.username])).toMatchObject({ code: 1, out: expect.stringContaining('has no push device registered') });
    expect(await admin(['push:test', 'nobody-by-this-name'])).toMatchObject({ code: 2, err: expect.stringContaining('no user named') });

    const metrics = await (await fetch(`http://127.0.0.1:${app.httpPort}/metrics`)).text();
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    expect(value('switchboard_push_sent_total{platform="webhook"}')).toBeGreaterThanOrEqual(6);
    expect(value('switchboard_push_queued_total{platform="webhook"}')).toBeGreaterThanOrEqual(6);
    expect(value('switchboard_push_failed_total{platform="webhook",reason="provider-error"}')).toBeGreaterThanOrEqual(1);
    expect(value('switchboard_push_failed_total{platform="webhook",reason="rate-limited"}')).toBeGreaterThanOrEqual(1);
    expect(value('switchboard_push_failed_total{platform="webhook",reason="dead-token"}')).toBeGreaterThanOrEqual(1);
    expect(value('switchboard_push_skipped_total{reason="online"}')).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(/^switchboard_push_outbox_oldest_seconds \d/m);
  });
});

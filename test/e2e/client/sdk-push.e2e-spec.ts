/**
 * The SDK's push methods: registerPush() on a session, then the device goes away and a message
 * reaches it as a push through a local push gateway; pushSettings() reads and changes the
 * preferences; unregisterPush() stops the pushes.
 */
import { SwitchboardSession } from '../../../src/client/session';
import { OnlineUsers } from '../../../src/modules/presence';
import { PushIntake, PushWorker } from '../../../src/modules/push';
import { startPushServer, PushServer, until } from '../../support/push-servers';
import { startTestApp, TestApp } from '../../support/test-app';
import { registerUser } from '../../support/users';
import { FAST } from './sdk-helpers';

jest.setTimeout(60_000);

describe('SDK: registerPush, pushSettings, unregisterPush', () => {
  let app: TestApp;
  let gateway: PushServer;
  beforeAll(async () => {
    gateway = await startPushServer();
    app = await startTestApp({
      RATE_LIMIT_CONN_RPS: '0',
      RATE_LIMIT_USER_RPS: '0',
      PUSH_WEBHOOK_URL: `${gateway.url}/_matrix/push/v1/notify`,
      PUSH_WEBHOOK_SECRET: 'sdk-push-secret-0123456789abcdef0123',
      PUSH_ALLOW_PRIVATE_URLS: 'on',
      PUSH_GRACE_MS: '0',
      PUSH_WORKER_INTERVAL_MS: '50',
    });
  });
  afterAll(async () => {
    await app?.close();
    await gateway?.close();
  });

  it('a registered device that went away gets the message as a push; unregistered, it gets none', async () => {
    const [alice, bob] = [await registerUser(app, { prefix: 'sdkp' }), await registerUser(app, { prefix: 'sdkp' })];
    const start = (u: typeof alice, device: string) => SwitchboardSession.start({ port: app.tcpPort, username: u.username, password: u.password, device, ...FAST });
    const phone = await start(alice, 'phone');
    const bobs = await start(bob, 'desk');
    expect(await phone.registerPush('webhook', 'sdk-phone-key', { appId: 'com.example.chat', locale: 'de' })).toMatchObject({ status: 200, device_id: expect.stringMatching(/^pd-/) });
    expect(await phone.pushSettings()).toMatchObject({ level: 'all', quiet_hours: null });
    expect(await phone.pushSettings({ level: 'mentions' })).toMatchObject({ level: 'mentions' });
    await phone.close();
    const offline = async () => !(await app.app.get(OnlineUsers).among([alice.userId])).has(alice.userId);
    await until(offline, 'alice offline');

    const sent = await bobs.send({ type: 'user', id: alice.userId }, 'are you there?');
    const [push] = await gateway.waitFor(1);
    const n = JSON.parse(push.body.toString('utf8')).notification;
    expect(n).toMatchObject({ room_id: sent.conversation_id, event_id: sent.message_id, devices: [{ pushkey: 'sdk-phone-key', app_id: 'com.example.chat', data: { locale: 'de' } }] });

    // From another device: logging in again as "phone" would replace the phone's session, and a
    // replaced session's tokens go with it (asynchronously), racing this unregister.
    const again = await start(alice, 'tablet');
    expect(await again.unregisterPush('sdk-phone-key')).toMatchObject({ status: 200, removed: 1 });
    await again.close();
    await until(offline, 'alice offline again');
    await bobs.send({ type: 'user', id: alice.userId }, 'hello?');
    // Taken in (flushed to the outbox) and the outbox worked through: still the one push.
    await app.app.get(PushIntake).flush();
    await app.app.get(PushWorker).tick();
    await app.app.get(PushWorker).tick();
    expect(gateway.requests).toHaveLength(1);
    await bobs.close();
  });
});

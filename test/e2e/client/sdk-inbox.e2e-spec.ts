/**
 * The SDK's inbox methods and events against the in-process server: conversations(), markRead()
 * on one device raising `read` on the other, mute()/unmute() raising `muted`, typing() raising
 * `typing` at the other member (and its server-sent stop).
 */
import { SwitchboardSession } from '../../../src/client/session';
import { startTestApp, TestApp } from '../../support/test-app';
import { registerUser } from '../../support/users';
import { FAST, next } from './sdk-helpers';

jest.setTimeout(60_000);

describe('SDK: inbox, read on all devices, mute, typing', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0', PRESENCE_TYPING_TTL_MS: '500' });
  });
  afterAll(() => app?.close());

  it('lists, marks read everywhere, mutes and shows typing', async () => {
    const [alice, bob] = [await registerUser(app, { prefix: 'sdki' }), await registerUser(app, { prefix: 'sdki' })];
    const start = (u: typeof alice, device: string) => SwitchboardSession.start({ port: app.tcpPort, username: u.username, password: u.password, device, ...FAST });
    const laptop = await start(alice, 'laptop');
    const phone = await start(alice, 'phone');
    const bobs = await start(bob, 'desk');

    const sent = await bobs.send({ type: 'user', id: alice.userId }, 'one');
    await bobs.send({ type: 'user', id: alice.userId }, 'two');
    const page = await laptop.conversations({ limit: 10 });
    expect(page.conversations).toHaveLength(1);
    expect(page.conversations[0]).toMatchObject({ conversation_id: sent.conversation_id, peer_id: bob.userId, unread_count: 2, preview: 'two' });

    const read = next(phone, 'read');
    expect(await laptop.markRead(sent.conversation_id, 2)).toMatchObject({ read_seq: 2 });
    expect((await read)[0]).toEqual({ conversation_id: sent.conversation_id, read_seq: 2 });
    expect((await phone.conversations()).conversations[0].unread_count).toBe(0);

    const muted = next(laptop, 'muted');
    await phone.mute(sent.conversation_id);
    expect((await muted)[0]).toEqual({ conversation_id: sent.conversation_id, muted: true, muted_until: null });
    expect((await laptop.conversations()).conversations[0].muted).toBe(true);
    await phone.unmute(sent.conversation_id);

    const typing = next(bobs, 'typing');
    expect(await laptop.typing(sent.conversation_id, 'start')).toMatchObject({ state: 'start', expires_in_ms: 500 });
    expect((await typing)[0]).toEqual({ conversation_id: sent.conversation_id, user_id: alice.userId, state: 'start', expires_in_ms: 500 });
    const [stop] = await next(bobs, 'typing');
    expect(stop).toEqual({ conversation_id: sent.conversation_id, user_id: alice.userId, state: 'stop' });

    await Promise.all([laptop.close(), phone.close(), bobs.close()]);
  });
});

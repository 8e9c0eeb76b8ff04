/**
 * Heartbeats over real TCP: the echo, the login's heartbeat_interval, and the sweeper closing
 * silent and half-open connections (short configured timeout; we wait for the close itself).
 */
import { ConnectionRegistry } from '../../../src/transport/connection-registry';
import { login, loginAs, registerUser } from '../../support/users';
import { keepAlive, presenceEvent, shareDirect } from '../../support/presence-helpers';
import { startTestApp, TestApp } from '../../support/test-app';

const INTERVAL_S = 0.2;
const TIMEOUT_S = 0.8;

describe('presence heartbeats (real TCP)', () => {
  let app: TestApp;
  const stops: (() => void)[] = [];
  beforeAll(async () => {
    app = await startTestApp({
      HEARTBEAT_INTERVAL_S: String(INTERVAL_S),
      HEARTBEAT_TIMEOUT_S: String(TIMEOUT_S),
      PRESENCE_DEBOUNCE_MS: '50',
      // Heartbeats every 0.2 s are 5/s: above the default heartbeat rate limit (2/s), which is
      // sized for the production interval.
      RATE_LIMIT_HEARTBEAT_RPS: '20',
      RATE_LIMIT_HEARTBEAT_BURST: '40',
    });
  });
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
  });
  afterAll(async () => {
    await app.close();
  });

  it('echoes presence/heartbeat with the same seq, before and after login', async () => {
    const client = await app.connect();
    client.sendEvent('presence/heartbeat', { seq: 1024 });
    const echo = await client.waitFor((f) => f.command === 'presence/heartbeat');
    expect(echo).toMatchObject({ type: 'event', command: 'presence/heartbeat', payload: { seq: 1024 } });
    // Registration hashes a password: keep the connection alive meanwhile, like a real client.
    stops.push(keepAlive(client, INTERVAL_S * 1000));

    const user = await registerUser(app);
    const payload = await login(client, user.username, user.password, 'ios');
    expect(payload.heartbeat_interval).toBe(INTERVAL_S);
    client.sendEvent('presence/heartbeat', { seq: 900_001 });
    await client.waitFor((f) => f.command === 'presence/heartbeat' && f.payload.seq === 900_001);
  });

  it('does not echo a heartbeat whose seq is not a non-negative integer', async () => {
    const client = await app.connect();
    client.sendEvent('presence/heartbeat', { seq: 'abc' });
    client.sendEvent('presence/heartbeat', { seq: -1 });
    client.sendEvent('presence/heartbeat', { seq: 5 });
    await client.waitFor((f) => f.command === 'presence/heartbeat' && f.payload.seq === 5);
    // Echoes keep their order on one connection: nothing came before the valid one.
    expect(client.events.filter((f) => f.command === 'presence/heartbeat').map((f) => f.payload.seq)).toEqual([5]);
  });

  it('closes a silent connection with HEARTBEAT_TIMEOUT and tells a peer the user went offline', async () => {
    const [silent, peer] = [await registerUser(app), await registerUser(app)];
    await shareDirect(app, silent.userId, peer.userId);
    const peerClient = await loginAs(app, peer, 'windows');
    stops.push(keepAlive(peerClient, INTERVAL_S * 1000));
    const silentClient = await loginAs(app, silent, 'ios');
    await presenceEvent(peerClient, silent.userId, { status: 'online' });

    const startedAt = Date.now();
    await silentClient.closed;
    const elapsed = Date.now() - startedAt;
    const error = silentClient.events.find((f) => f.command === 'control/error');
    expect(error?.payload).toMatchObject({ error_code: 'HEARTBEAT_TIMEOUT' });
    expect(error?.payload.error_message).toMatch(/presence\/heartbeat/);
    // Not before the timeout (the login was its last frame), and within timeout + one sweep.
    expect(elapsed).toBeLessThan(TIMEOUT_S * 1000 * 2);

    const offline = await presenceEvent(peerClient, silent.userId, { status: 'offline' });
    expect(offline.payload).toMatchObject({ devices: [], text: null });
    expect(typeof offline.payload.last_seen).toBe('number');
    // The heartbeating peer outlived several timeouts.
    expect(peerClient.isOpen).toBe(true);
  });

  it('closes an anonymous connection that sends nothing either', async () => {
    const client = await app.connect();
    await client.closed;
    expect(client.events.find((f) => f.command === 'control/error')?.payload.error_code).toBe('HEARTBEAT_TIMEOUT');
  });

  it('detects a half-open connection (client stops reading and sending) and frees it', async () => {
    const [ghost, peer] = [await registerUser(app), await registerUser(app)];
    await shareDirect(app, ghost.userId, peer.userId);
    const peerClient = await loginAs(app, peer, 'windows');
    stops.push(keepAlive(peerClient, INTERVAL_S * 1000));
    const ghostClient = await loginAs(app, ghost, 'android');
    await presenceEvent(peerClient, ghost.userId, { status: 'online' });

    // The client process hangs: it neither reads (our FIN stays unread) nor writes.
    ghostClient.socket.pause();
    await presenceEvent(peerClient, ghost.userId, { status: 'offline' });
    // The server let go of the socket although the peer never acknowledged the close.
    expect(app.app.get(ConnectionRegistry).forUser(ghost.userId).size).toBe(0);

    ghostClient.socket.resume();
    await ghostClient.closed;
    expect(ghostClient.events.find((f) => f.command === 'control/error')?.payload.error_code).toBe('HEARTBEAT_TIMEOUT');
  });
});

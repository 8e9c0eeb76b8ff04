/**
 * Debounce over real TCP (PRESENCE_DEBOUNCE_MS = 1 s here): a fast reconnect produces no
 * offline/online pair, and only the final state of a window is announced. "Nothing was sent" is
 * proven with a sentinel: a later change whose debounce window closes after the reconnect's.
 */
import { PresenceMetrics } from '../../../src/modules/presence/presence.metrics';
import { loginAs, registerUser } from '../../support/users';
import { presenceEvent, presenceEventsAbout, shareDirect } from '../../support/presence-helpers';
import { startTestApp, TestApp } from '../../support/test-app';

describe('presence debounce (real TCP)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ PRESENCE_DEBOUNCE_MS: '1000' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('a reconnect within the window sends nothing; the next real change is the next event', async () => {
    const [alice, bob, carol] = [await registerUser(app), await registerUser(app), await registerUser(app)];
    await shareDirect(app, alice.userId, bob.userId);
    await shareDirect(app, carol.userId, bob.userId);
    const bobClient = await loginAs(app, bob, 'windows');
    const carolClient = await loginAs(app, carol, 'windows');
    let aliceClient = await loginAs(app, alice, 'ios');
    await presenceEvent(bobClient, alice.userId, { status: 'online' });
    await presenceEvent(bobClient, carol.userId, { status: 'online' });
    const metrics = app.app.get(PresenceMetrics);
    const suppressedBefore = metrics.suppressedTotal;

    // Network blip: the phone drops and reconnects at once.
    await aliceClient.close();
    aliceClient = await loginAs(app, alice, 'ios');
    // Sentinel: carol's change opens a window that closes after alice's.
    await carolClient.call('presence/update', { status: 'away' });
    await presenceEvent(bobClient, carol.userId, { status: 'away' });
    expect(presenceEventsAbout(bobClient, alice.userId).map((p) => p.status)).toEqual(['online']);
    // The close and the new login were both absorbed.
    expect(metrics.suppressedTotal - suppressedBefore).toBeGreaterThanOrEqual(2);

    // Blip plus a real change inside one window: only the final state goes out.
    await aliceClient.close();
    aliceClient = await loginAs(app, alice, 'ios');
    await aliceClient.call('presence/update', { status: 'busy', text: 'back' });
    await presenceEvent(bobClient, alice.userId, { status: 'busy' });
    expect(presenceEventsAbout(bobClient, alice.userId).map((p) => `${p.status}:${p.text}`)).toEqual(['online:null', 'busy:back']);
    expect(metrics.sentTotal).toBeGreaterThanOrEqual(4);

    // The same counters on the ops endpoint.
    const text = await (await fetch(`http://127.0.0.1:${app.httpPort}/metrics`)).text();
    const series = (outcome: string) => Number(new RegExp(`switchboard_presence_events_total\\{outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1]);
    expect(series('sent')).toBe(metrics.sentTotal);
    expect(series('suppressed')).toBe(metrics.suppressedTotal);
  });

  it('announces the offline once the window passes without a reconnect', async () => {
    const [dave, bob] = [await registerUser(app), await registerUser(app)];
    await shareDirect(app, dave.userId, bob.userId);
    const bobClient = await loginAs(app, bob, 'windows');
    const daveClient = await loginAs(app, dave, 'android');
    await presenceEvent(bobClient, dave.userId, { status: 'online' });
    const closedAt = Date.now();
    await daveClient.close();
    const offline = await presenceEvent(bobClient, dave.userId, { status: 'offline' });
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(900);
    expect(offline.payload.last_seen).toBeGreaterThanOrEqual(Math.floor(closedAt / 1000));
  });
});

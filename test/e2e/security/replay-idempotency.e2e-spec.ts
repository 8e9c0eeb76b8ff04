/**
 * Replay protection that keeps idempotency, over real TCP with SIGNATURE_MODE=require:
 * - a signed retry of message/send answers the original (duplicate: true), not REPLAY_DETECTED;
 * - an id refused (bad token, validation) is not consumed: the genuine request may use it;
 * - a copied frame with a broken Authorization header cannot burn the genuine frame's id (v2
 *   signs the header; with the legacy v1 form the refusal releases the id);
 * - the v2 form is required by default, v1 only with SIGNATURE_MIN_VERSION=1 (migration);
 * - a server frame reflected back is not accepted (v2 signs the direction);
 * - the replay cache stays at its bound under a flood while legitimate traffic is served;
 * - with Redis (TEST_REDIS_URL) the cache is shared: a replay to another node is refused; with
 *   its Redis down, signed requests that need an entry are refused with 503 (fail closed).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ReplayStore } from '../../../src/common/security/replay-store';
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { Envelope, nowSeconds } from '../../../src/shared/protocol';
import { checkSignature, signPayload, withSignatureVersion } from '../../../src/shared/protocol/crypto';
import { LoggedInUser, registerAndLogin } from '../../support/users';
import { PrivateRedis, startPrivateRedis } from '../../support/redis-server';
import { describeWith } from '../../support/requires';
import { ClientPool, recordRawFrames } from '../../support/security-helpers';
import { startTestApp, TestApp } from '../../support/test-app';

const KEY = randomBytes(32).toString('hex');

function sign(frame: Envelope, version: 1 | 2 = 2, key = KEY): Envelope {
  const versioned = { ...frame, headers: withSignatureVersion(frame.headers ?? {}, version) };
  return { ...versioned, payload: signPayload(versioned, key, 'c2s') };
}

const text = (t: string) => ({ type: 'text', text: t });

async function signedUser(app: TestApp, pool: ClientPool): Promise<LoggedInUser> {
  const client = await pool.connect({ port: app.tcpPort, signingKey: KEY });
  return registerAndLogin(app, { client });
}

describe('replay protection keeps idempotency (SIGNATURE_MODE=require)', () => {
  let app: TestApp;
  const pool = new ClientPool();
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  /** A connection without keys: frames are sent exactly as built here. */
  let raw: SwitchboardClient;

  beforeAll(async () => {
    app = await startTestApp({ SIGNATURE_MODE: 'require', SIGNING_KEY: KEY });
    alice = await signedUser(app, pool);
    bob = await signedUser(app, pool);
    raw = await pool.connect({ port: app.tcpPort });
    // Bind the raw connection to alice (a signed request with her token binds it).
    expect((await raw.sendEnvelope(sign(alice.client.envelope('auth/sessions')))).payload.status).toBe(200);
  });
  afterAll(async () => {
    await pool.closeAll();
    await app.close();
  });

  it('a signed retry of message/send answers the original with duplicate: true (same frame, and re-signed)', async () => {
    const id = randomUUID();
    const payload = { target: { type: 'user', id: bob.userId }, content: text('exactly once') };
    const first = await alice.client.request('message/send', payload, { id });
    expect(first.payload).toMatchObject({ status: 200 });
    expect(first.payload.duplicate).toBeUndefined();
    // The SDK retries with the same id (a fresh signature and timestamp)...
    const retry = await alice.client.request('message/send', payload, { id });
    expect(retry.payload).toMatchObject({ status: 200, duplicate: true, message_id: first.payload.message_id, seq: first.payload.seq });
    // ...and a byte-identical copy of a signed frame gets the same answer, not REPLAY_DETECTED.
    const frame = sign(alice.client.envelope('message/send', payload, {}, randomUUID()));
    const original = await raw.sendEnvelope(frame);
    expect(original.payload.status).toBe(200);
    const copy = await raw.sendEnvelope(frame);
    expect(copy.payload).toMatchObject({ status: 200, duplicate: true, message_id: original.payload.message_id });
  });

  it('an id refused for a bad token or a validation error can be used again; a success makes it final', async () => {
    const id = randomUUID();
    const badToken = sign({ ...alice.client.envelope('auth/sessions', {}, {}, id), headers: { version: '1.0', Authorization: 'Bearer not-a-token' } });
    expect((await raw.sendEnvelope(badToken)).payload).toMatchObject({ status: 401, error_code: 'TOKEN_INVALID' });
    const good = sign(alice.client.envelope('auth/sessions', {}, {}, id));
    expect((await raw.sendEnvelope(good)).payload.status).toBe(200);
    const replay = await raw.sendEnvelope(good);
    expect(replay.payload).toMatchObject({ status: 401, error_code: 'REPLAY_DETECTED' });

    const id2 = randomUUID();
    const invalid = sign(alice.client.envelope('presence/list', { limit: 0 }, {}, id2));
    expect((await raw.sendEnvelope(invalid)).payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    const fixed = sign(alice.client.envelope('presence/list', { limit: 1 }, {}, id2));
    expect((await raw.sendEnvelope(fixed)).payload.status).toBe(200);
  });

  it('a copied frame with a broken Authorization header does not burn the genuine id', async () => {
    const genuine = sign(alice.client.envelope('auth/sessions'));
    const copy = { ...genuine, headers: { ...genuine.headers, Authorization: 'Bearer broken' } };
    const attacker = await pool.connect({ port: app.tcpPort });
    expect((await attacker.sendEnvelope(copy)).payload).toMatchObject({ status: 401, error_code: 'SIGNATURE_INVALID' });
    const stripped = { ...genuine, headers: { version: '1.0', signature_version: '2' } };
    expect((await attacker.sendEnvelope(stripped)).payload).toMatchObject({ status: 401, error_code: 'SIGNATURE_INVALID' });
    expect((await raw.sendEnvelope(genuine)).payload.status).toBe(200);
  });

  it('refuses the legacy v1 form by default, naming the v2 form to use', async () => {
    const v1 = sign(alice.client.envelope('control/ping'), 1);
    const response = await raw.sendEnvelope(v1);
    expect(response.payload).toMatchObject({ status: 401, error_code: 'SIGNATURE_INVALID' });
    expect(response.payload.error_message).toMatch(/v1 is not accepted: sign the v2 form and send headers.signature_version: "2"/);
  });

  it('a server frame reflected back to the server is not accepted (the signature covers the direction)', async () => {
    const client = await pool.connect({ port: app.tcpPort, signingKey: KEY });
    const frames = recordRawFrames(client);
    client.sendEvent('presence/heartbeat', { seq: 7 });
    const echo = await client.waitFor((f) => f.command === 'presence/heartbeat');
    expect(echo.payload.seq).toBe(7);
    const wire = frames.find((f) => f.command === 'presence/heartbeat')!;
    expect(checkSignature(wire, KEY, 's2c')).toBe('valid');
    // Sent back verbatim as a client event: refused (dropped, events get no answer). The ping
    // after it is answered in order, so a second echo would have arrived before its response.
    client.writeRaw(`${JSON.stringify(wire)}\n`);
    expect((await client.request('control/ping')).payload.status).toBe(200);
    expect(frames.filter((f) => f.command === 'presence/heartbeat')).toHaveLength(1);
  });
});

describe('migration: SIGNATURE_MIN_VERSION=1 accepts the legacy form', () => {
  let app: TestApp;
  const pool = new ClientPool();
  beforeAll(async () => {
    app = await startTestApp({ SIGNATURE_MODE: 'require', SIGNING_KEY: KEY, SIGNATURE_MIN_VERSION: '1' });
  });
  afterAll(async () => {
    await pool.closeAll();
    await app.close();
  });

  it('answers a v1 client in v1, a v2 client in v2; a broken-header copy of a v1 frame is refused without burning its id', async () => {
    const alice = await signedUser(app, pool);
    const legacy = await pool.connect({ port: app.tcpPort });
    const v1 = sign(alice.client.envelope('auth/sessions'), 1);
    // v1 does not sign headers: the copy passes the signature, fails the token check, and the
    // refusal releases the id.
    const copy = { ...v1, headers: { ...v1.headers, Authorization: 'Bearer broken' } };
    expect((await legacy.sendEnvelope(copy)).payload).toMatchObject({ status: 401, error_code: 'TOKEN_INVALID' });
    const answer = await legacy.sendEnvelope(v1);
    expect(answer.payload.status).toBe(200);
    expect(answer.headers?.signature_version).toBeUndefined();
    expect(checkSignature(answer, KEY, 's2c')).toBe('valid');
    // The SDK (v2) keeps working on the same server, answered in v2.
    expect((await alice.client.request('control/ping')).payload.status).toBe(200);
  });
});

describe('replay cache at its bound under a flood', () => {
  let app: TestApp;
  const pool = new ClientPool();
  const MAX = 1000;
  const PER_CONNECTION = 300;
  beforeAll(async () => {
    app = await startTestApp({
      SIGNATURE_MODE: 'require',
      SIGNING_KEY: KEY,
      REPLAY_CACHE_MAX_ENTRIES: String(MAX),
      REPLAY_CACHE_MAX_PER_CONNECTION: String(PER_CONNECTION),
      // The worst case: no rate limit slows the flood down.
      RATE_LIMIT_CONN_RPS: '0',
      RATE_LIMIT_USER_RPS: '0',
    });
  });
  afterAll(async () => {
    await pool.closeAll();
    await app.close();
  });

  const flood = async (n: number) => {
    const client = await pool.connect({ port: app.tcpPort, signingKey: KEY, timeoutMs: 30_000 });
    const answers = await Promise.all(Array.from({ length: n }, () => client.request('control/ping')));
    const count = (status: number) => answers.filter((a) => a.payload.status === status).length;
    return { ok: count(200), limited: count(429), full: count(503), answers };
  };

  it('caps each connection at its share and the whole cache at its bound; legitimate clients are served', async () => {
    const store = app.app.get(ReplayStore);
    for (let i = 0; i < 3; i++) {
      const result = await flood(PER_CONNECTION + 50);
      expect(result).toMatchObject({ ok: PER_CONNECTION, limited: 50, full: 0 });
      expect(result.answers.find((a) => a.payload.status === 429)!.payload).toMatchObject({ error_code: 'RATE_LIMITED', retry_after_ms: expect.any(Number) });
    }
    expect(store.cache.size).toBe(3 * PER_CONNECTION);

    // A legitimate user still registers, logs in, sends and is answered.
    const alice = await signedUser(app, pool);
    const bob = await signedUser(app, pool);
    expect((await alice.client.request('control/ping')).payload.status).toBe(200);

    // A fourth flooding connection fills the cache to its bound: the rest is refused with 503.
    const fourth = await flood(PER_CONNECTION);
    expect(store.cache.size).toBe(MAX);
    expect(fourth.ok).toBe(MAX - 3 * PER_CONNECTION - 5);
    expect(fourth.full).toBe(PER_CONNECTION - fourth.ok);
    expect(fourth.answers.find((a) => a.payload.status === 503)!.payload).toMatchObject({ error_code: 'UNAVAILABLE', retry_after_ms: expect.any(Number) });

    // Full: message/send (deduplicated by the server itself, not kept in the cache) is still
    // served; other signed requests get the documented 503 until ids expire.
    const sent = await alice.client.request('message/send', { target: { type: 'user', id: bob.userId }, content: text('still here') });
    expect(sent.payload.status).toBe(200);
    expect((await alice.client.request('control/ping')).payload).toMatchObject({ status: 503, error_code: 'UNAVAILABLE' });
    expect(store.cache.size).toBe(MAX);
  });
});

const REDIS_URL = process.env.TEST_REDIS_URL;
describeWith({ redis: true }, 'replay cache shared through Redis (two nodes)', () => {
  let a: TestApp;
  let b: TestApp;
  const pool = new ClientPool();
  beforeAll(async () => {
    // One JWT secret, so a token issued by node A is valid on node B.
    const env = { SIGNATURE_MODE: 'require', SIGNING_KEY: KEY, AUTH_JWT_SECRET: randomBytes(32).toString('hex'), REDIS_URL: REDIS_URL!, REDIS_KEY_PREFIX: `sbtest-replay-${randomBytes(4).toString('hex')}:` };
    a = await startTestApp(env);
    b = await startTestApp({ ...env, ...a.db.env });
  });
  afterAll(async () => {
    await pool.closeAll();
    await b.close();
    await a.close();
  });

  it('a frame answered by one node is a replay on the other; an id refused on one is usable on the other', async () => {
    const onA = await pool.connect({ port: a.tcpPort });
    const onB = await pool.connect({ port: b.tcpPort });
    const frame = sign({ id: randomUUID(), type: 'request', timestamp: nowSeconds(), command: 'control/ping', headers: { version: '1.0' }, payload: {} });
    expect((await onA.sendEnvelope(frame)).payload.status).toBe(200);
    expect((await onB.sendEnvelope(frame)).payload).toMatchObject({ status: 401, error_code: 'REPLAY_DETECTED' });

    const alice = await signedUser(a, pool);
    const id = randomUUID();
    const invalid = sign(alice.client.envelope('presence/list', { limit: 0 }, {}, id));
    expect((await onA.sendEnvelope(invalid)).payload).toMatchObject({ status: 400 });
    const fixed = sign(alice.client.envelope('presence/list', { limit: 1 }, {}, id));
    expect((await onB.sendEnvelope(fixed)).payload.status).toBe(200);
    expect((await onA.sendEnvelope(fixed)).payload).toMatchObject({ status: 401, error_code: 'REPLAY_DETECTED' });
  });
});

describeWith({ redisServer: true }, 'replay cache fails closed when its Redis is down (private redis-server)', () => {
  let redis: PrivateRedis;
  let app: TestApp;
  const pool = new ClientPool();
  beforeAll(async () => {
    redis = await startPrivateRedis();
    app = await startTestApp({ SIGNATURE_MODE: 'require', SIGNING_KEY: KEY, REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await pool.closeAll();
    await app.close();
    await redis.stop();
  });

  it('a signed request that needs an entry is answered 503 UNAVAILABLE with retry_after_ms, and served again once Redis is back', async () => {
    const client = await pool.connect({ port: app.tcpPort, signingKey: KEY });
    expect((await client.request('control/ping')).payload.status).toBe(200);
    await redis.stop();
    const refused = await client.request('control/ping');
    expect(refused.payload).toMatchObject({ status: 503, error_code: 'UNAVAILABLE', retry_after_ms: expect.any(Number) });
    expect(refused.payload.error_message).toMatch(/replay protection is unavailable/);
    await redis.start();
    // The client retries as told until the reconnected store answers (bounded by the test timeout).
    let answer = await client.request('control/ping');
    while (answer.payload.status === 503) {
      await new Promise((resolve) => setTimeout(resolve, answer.payload.retry_after_ms as number));
      answer = await client.request('control/ping');
    }
    expect(answer.payload.status).toBe(200);
  }, 60_000);
});

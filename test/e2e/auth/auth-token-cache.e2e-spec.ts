/**
 * The per-frame authentication fast path: tokens verified once per connection (until their own
 * `exp`), `exp`/`iat` required, a future `iat` refused, and session validity served from memory
 * with bounded staleness: a session revoked on one node is refused on another within
 * AUTH_SESSION_CACHE_MS even when nothing is published (admin CLI), and at once when the
 * revocation's kick goes through the shared Redis bus.
 */
import { JwtService } from '@nestjs/jwt';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { SessionsRepository } from '../../../src/modules/auth/sessions.repository';
import { SessionsService } from '../../../src/modules/auth/sessions.service';
import { registerAndLogin } from '../../support/users';
import { itWith } from '../../support/requires';
import { startTestApp, TestApp } from '../../support/test-app';

const SECRET = 'token-cache-secret-token-cache-secret-0123';
const REDIS_URL = process.env.TEST_REDIS_URL;

/** Signs exactly `claims` (jsonwebtoken adds `iat` unless the claims lack it on purpose). */
function sign(claims: Record<string, unknown>): string {
  return new JwtService({ secret: SECRET }).sign(claims, { algorithm: 'HS256', noTimestamp: claims.iat === undefined });
}

// The polling below must not trip the request rate limits.
const NO_LIMITS = { AUTH_JWT_SECRET: SECRET, RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0' };

/**
 * Repeats `auth/sessions` with `token` until it is refused with `code`; fails after `withinMs`.
 * A request that succeeded before the revocation reached this node ties the connection to the
 * session, so the revocation may instead arrive as that session's `auth/kick` followed by the
 * close: that is the same refusal, told the other way the protocol has.
 */
async function refusedWithin(client: SwitchboardClient, token: string, code: string, withinMs: number, sessionId?: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    let r;
    try {
      r = await client.request('auth/sessions', {}, { headers: { Authorization: `Bearer ${token}` } });
    } catch (err) {
      if (sessionId === undefined) throw err;
      // Already received (the kick is written before the close), so no wait happens here.
      const kick = await client.waitFor('auth/kick', { timeoutMs: 0 }).catch(() => undefined);
      if (kick === undefined) throw err;
      expect(kick.payload).toMatchObject({ session_id: sessionId });
      return Date.now() - started;
    }
    if (r.payload.status !== 200) {
      expect(r.payload).toMatchObject({ status: 401, error_code: code });
      return Date.now() - started;
    }
    if (Date.now() - started > withinMs) throw new Error(`still accepted ${withinMs} ms later`);
    // Paces the loop (one request per event-loop turn); it does not decide the outcome.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('auth: token claims and the per-connection token memo', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(NO_LIMITS);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('refuses a signed token without exp, or without iat, with 401 TOKEN_INVALID', async () => {
    const { userId, sessionId } = await registerAndLogin(app);
    const now = Math.floor(Date.now() / 1000);
    const client = await app.connect();
    for (const claims of [{ iat: now }, { exp: now + 600 }]) {
      const token = sign({ sub: userId, sid: sessionId, jti: randomBytes(4).toString('hex'), ...claims });
      const r = await client.request('auth/sessions', {}, { headers: { Authorization: `Bearer ${token}` } });
      expect(r.payload).toMatchObject({ status: 401, error_code: 'TOKEN_INVALID' });
      expect(r.payload.error_message).toContain('exp/iat');
    }
  });

  it('refuses an iat more than 30 s in the future and accepts a small clock skew', async () => {
    const { userId, sessionId } = await registerAndLogin(app);
    const now = Math.floor(Date.now() / 1000);
    const future = sign({ sub: userId, sid: sessionId, jti: 'f', iat: now + 120, exp: now + 900 });
    const client = await app.connect();
    const refused = await client.request('auth/sessions', {}, { headers: { Authorization: `Bearer ${future}` } });
    expect(refused.payload).toMatchObject({ status: 401, error_code: 'TOKEN_INVALID' });
    expect(refused.payload.error_message).toContain('future');
    const skewed = sign({ sub: userId, sid: sessionId, jti: 's', iat: now + 10, exp: now + 900 });
    const accepted = await client.request('auth/sessions', {}, { headers: { Authorization: `Bearer ${skewed}` } });
    expect(accepted.payload.status).toBe(200);
  });

  it('stops accepting a remembered token once it expires (401 TOKEN_EXPIRED on the same connection)', async () => {
    const { userId, sessionId } = await registerAndLogin(app);
    const now = Math.floor(Date.now() / 1000);
    const shortLived = sign({ sub: userId, sid: sessionId, jti: 'x', iat: now, exp: now + 3 });
    const client = await app.connect();
    const first = await client.request('auth/sessions', {}, { headers: { Authorization: `Bearer ${shortLived}` } });
    expect(first.payload.status).toBe(200);
    // Accepted (from the memo) until exp, then refused as expired, never silently kept alive.
    await refusedWithin(client, shortLived, 'TOKEN_EXPIRED', 10_000);
  });

  it('pipelined requests of a session not yet in the cache wait for ONE read of its row', async () => {
    const alice = await registerAndLogin(app);
    const reads = jest.spyOn(app.app.get(SessionsRepository), 'findById');
    try {
      const client = await app.connect();
      const headers = { Authorization: `Bearer ${alice.token}` };
      const answers = await Promise.all(Array.from({ length: 16 }, () => client.request('auth/sessions', {}, { headers })));
      expect(answers.map((r) => r.payload.status)).toEqual(Array(16).fill(200));
      expect(reads.mock.calls.filter(([id]) => id === alice.sessionId)).toHaveLength(1);
    } finally {
      reads.mockRestore();
    }
  });

  it('refuses a token after its own session is revoked on this node, at once', async () => {
    const alice = await registerAndLogin(app);
    const other = await app.connect();
    expect((await other.request('auth/sessions', {}, { headers: { Authorization: `Bearer ${alice.token}` } })).payload.status).toBe(200);
    await app.app.get(SessionsService).revoke([alice.sessionId], 'revoked');
    const r = await other.request('auth/sessions', {}, { headers: { Authorization: `Bearer ${alice.token}` } });
    expect(r.payload).toMatchObject({ status: 401, error_code: 'SESSION_REVOKED' });
  });
});

describe('auth: session validity across two nodes', () => {
  it('a revocation that publishes nothing (admin CLI) is refused on the other node within AUTH_SESSION_CACHE_MS', async () => {
    const TTL_MS = 1000;
    const nodeA = await startTestApp({ ...NO_LIMITS, AUTH_SESSION_CACHE_MS: String(TTL_MS) });
    const nodeB = await startTestApp({ ...NO_LIMITS, AUTH_SESSION_CACHE_MS: String(TTL_MS), ...nodeA.db.env, MIGRATIONS_RUN: 'off' });
    try {
      const alice = await registerAndLogin(nodeA);
      const onB = await nodeB.connect();
      // Node B has read the session as active and caches it.
      expect((await onB.request('auth/sessions', {}, { headers: { Authorization: `Bearer ${alice.token}` } })).payload.status).toBe(200);
      // Straight to the database, as the admin CLI does: no bus message reaches node B.
      await nodeA.app.get(SessionsService).revoke([alice.sessionId], 'revoked');
      // The bound plus slack for a busy CI machine; the cache itself never trusts an entry longer.
      await refusedWithin(onB, alice.token, 'SESSION_REVOKED', TTL_MS + 2000);
    } finally {
      await nodeB.close();
      await nodeA.close();
    }
  });

  itWith({ redis: true }, 'a kick on node A (Redis bus) is refused on node B without waiting for the cache to expire', async () => {
    const prefix = `sbtest:${randomBytes(4).toString('hex')}:`;
    // A cache lifetime far beyond the wait below: only the bus message can explain the refusal.
    const env = { ...NO_LIMITS, AUTH_SESSION_CACHE_MS: '60000', REDIS_URL, REDIS_KEY_PREFIX: prefix };
    const nodeA = await startTestApp(env);
    const nodeB = await startTestApp({ ...env, ...nodeA.db.env, MIGRATIONS_RUN: 'off' });
    try {
      const alice = await registerAndLogin(nodeA);
      const admin = await registerAndLogin(nodeA, { role: 'admin' });
      const onB = await nodeB.connect();
      expect((await onB.request('auth/sessions', {}, { headers: { Authorization: `Bearer ${alice.token}` } })).payload.status).toBe(200);
      await admin.client.call('auth/kick', { user_id: alice.userId, session_id: alice.sessionId });
      const fresh = await nodeB.connect();
      await refusedWithin(fresh, alice.token, 'SESSION_REVOKED', 10_000, alice.sessionId);
    } finally {
      await nodeB.close();
      await nodeA.close();
      const redis = new Redis(REDIS_URL!);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });
});

/**
 * Regressions found by fuzzing the envelope and payload values:
 * - bug: a U+0000 character in the envelope `id` (the message/send idempotency key) or in any
 *   payload string reached PostgreSQL, which cannot store it: 500 INTERNAL_ERROR instead of a
 *   400 naming the field (SQLite accepted it, so the engines disagreed);
 * - bug: a deeply nested JSON value (well under MAX_FRAME_BYTES) overflowed the stack of the
 *   recursive code after the parser (content hashing, serialization): 500 instead of a 400.
 * Every case must answer a clear 4xx and leave the connection usable.
 */
import { randomBytes } from 'node:crypto';
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';

function nested(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

describe('regression: hostile envelope ids and payload values', () => {
  let app: TestApp;
  let client: SwitchboardClient;
  let groupId: string;

  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0' });
    const alice = await registerAndLogin(app);
    const bob = await registerAndLogin(app);
    client = alice.client;
    groupId = (await client.call('group/create', { name: 'g', members: [bob.userId] })).conversation_id as string;
  }, 60_000);
  afterAll(async () => {
    await app.close();
  });

  it('answers a NUL character in the envelope id with 400 INVALID_ENVELOPE naming "id"', async () => {
    const response = await client.request('message/send', { target: { type: 'group', id: groupId }, content: { type: 'text', text: 'x' } }, { id: 'a\u0000b' });
    expect(response.payload).toMatchObject({ status: 400, error_code: 'INVALID_ENVELOPE' });
    expect(response.payload.error_message).toContain('"id"');
    expect((await client.call('control/ping')).status).toBe(200);
  });

  it('accepts ids with other odd characters and keeps them as idempotency keys', async () => {
    for (const id of ['\u202e🙂 id with spaces', 'ü'.repeat(128), '{"id":"x"}\\n', 'constructor', '__proto__']) {
      const first = await client.request('message/send', { target: { type: 'group', id: groupId }, content: { type: 'text', text: `odd ${id.length}` } }, { id });
      expect(first.id).toBe(id);
      expect(first.payload.status).toBe(200);
      const retry = await client.request('message/send', { target: { type: 'group', id: groupId }, content: { type: 'text', text: `odd ${id.length}` } }, { id });
      expect(retry.payload).toMatchObject({ status: 200, message_id: first.payload.message_id, duplicate: true });
    }
  });

  it.each([
    ['message/send', 'meta.reply_to', (v: string) => ({ target: { type: 'group', id: 'G' }, content: { type: 'text', text: 'x' }, meta: { reply_to: v } })],
    ['message/send', 'content.text', (v: string) => ({ target: { type: 'group', id: 'G' }, content: { type: 'text', text: v } })],
    ['group/create', 'name', (v: string) => ({ name: v, members: [] })],
    ['group/create', 'members.0', (v: string) => ({ name: 'n', members: [v] })],
    ['auth/login', 'username', (v: string) => ({ username: v, password: 'pw-123456789', client_info: { device: 'd', version: '1' } })],
    ['presence/update', 'text', (v: string) => ({ status: 'away', text: v })],
  ])('answers a NUL character in %s %s with 400 VALIDATION_FAILED naming the field', async (command, field, build) => {
    const payload = JSON.parse(JSON.stringify(build('bad\u0000value')).replace('"G"', JSON.stringify(groupId))) as Record<string, unknown>;
    const conn = command === 'auth/login' ? await app.connect() : client;
    const response = await conn.request(command, payload);
    expect(response.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(response.payload.error_message).toContain(field);
    expect((await conn.call('control/ping')).status).toBe(200);
  });

  it.each(['content', 'meta', 'attachments'])('answers a deeply nested value in message/send %s with 400, never a 500', async (field) => {
    const base: Record<string, string> = { target: `{"type":"group","id":"${groupId}"}`, content: '{"type":"text","text":"x"}' };
    base[field] = field === 'attachments' ? `[${nested(100_000)}]` : `{"type":"text","text":"x","deep":${nested(100_000)}}`;
    const payload = `{${Object.entries(base).map(([k, v]) => `"${k}":${v}`).join(',')}}`;
    const frame = `{"id":"deep-${field}","type":"request","command":"message/send","headers":{"version":"1.0","Authorization":"Bearer ${client.token}"},"payload":${payload}}\n`;
    client.writeRaw(frame);
    const response = await client.waitFor((f) => f.id === `deep-${field}`);
    expect(response.payload.status).toBe(400);
    expect(response.payload.error_code).toBe('VALIDATION_FAILED');
    expect((await client.call('control/ping')).status).toBe(200);
  });

  it('ignores prototype-pollution keys in headers: a token hidden under __proto__ or constructor does not authenticate', async () => {
    const anon = await app.connect();
    for (const headers of [`{"__proto__":{"Authorization":"Bearer ${client.token}"}}`, `{"constructor":{"prototype":{"Authorization":"Bearer ${client.token}"}}}`]) {
      const id = `proto-${headers.length}-${headers.slice(2, 6)}`;
      anon.writeRaw(`{"id":"${id}","type":"request","command":"group/list","headers":${headers},"payload":{}}\n`);
      const response = await anon.waitFor((f) => f.id === id);
      expect(response.payload).toMatchObject({ status: 401, error_code: 'TOKEN_MISSING' });
    }
    expect(({} as Record<string, unknown>).Authorization).toBeUndefined();
    expect((await anon.call('control/ping')).status).toBe(200);
  });

  it.each([
    ['x', `{"version":"1.0","x":${nested(100_000)}}`],
    ['version', `{"version":${nested(100_000)}}`],
    ['Authorization', `{"version":"1.0","Authorization":${nested(100_000)}}`],
  ])('answers deeply nested headers.%s with a 4xx, never a 500', async (name, headers) => {
    client.writeRaw(`{"id":"deep-h-${name}","type":"request","command":"control/ping","headers":${headers},"payload":{}}\n`);
    const response = await client.waitFor((f) => f.id === `deep-h-${name}`);
    expect(response.payload.status).toBeLessThan(500);
    expect((await client.call('control/ping')).status).toBe(200);
  });
});

describe('regression: deeply nested payloads under SIGNATURE_MODE=require', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ SIGNATURE_MODE: 'require', SIGNING_KEY: randomBytes(32).toString('hex') });
  });
  afterAll(async () => {
    await app.close();
  });

  // bug: the signature guard canonicalizes the payload recursively before any depth check, so a
  // deep payload carrying any well-formed signature overflowed the stack (500).
  it('answers a deep payload with a signature with 400 VALIDATION_FAILED, never a 500', async () => {
    const client = await app.connect();
    const signature = 'a'.repeat(64);
    client.writeRaw(`{"id":"deep-signed","type":"request","command":"control/ping","timestamp":${Math.floor(Date.now() / 1000)},"payload":{"signature":"${signature}","x":${nested(100_000)}}}\n`);
    const response = await client.waitFor((f) => f.id === 'deep-signed');
    expect(response.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(response.payload.error_message).toContain('x');
    const unsigned = await client.request('control/ping', {});
    expect(unsigned.payload).toMatchObject({ status: 401, error_code: 'SIGNATURE_INVALID' });
  });
});

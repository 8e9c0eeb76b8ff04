/**
 * AES-256-GCM payload encryption over real TCP: round trip, tampering, key rotation, IV
 * uniqueness, and encryption combined with signatures.
 */
import { randomBytes } from 'node:crypto';
import { Envelope } from '../../../src/shared/protocol';
import { checkSignature, decryptPayload, encryptPayload, isEncryptedPayload, parsePayloadKeys } from '../../../src/shared/protocol/crypto';
import { MetricsService } from '../../../src/common/metrics/metrics.service';
import { PluginOrder } from '../../../src/transport';
import { registerAndLogin } from '../../support/users';
import { ClientPool, recordRawFrames } from '../../support/security-helpers';
import { startTestApp, TestApp } from '../../support/test-app';

const OLD = `k1:${randomBytes(32).toString('base64')}`;
const NEW = `k2:${randomBytes(32).toString('base64')}`;
const [oldKey] = parsePayloadKeys(OLD);
const [newKey] = parsePayloadKeys(NEW);

/** The server's key list after a rotation: k2 is current, k1 still accepted. */
const ROTATED_KEYS = `${NEW},${OLD}`;

describe('PAYLOAD_ENCRYPTION=aes-256-gcm', () => {
  let app: TestApp;
  const pool = new ClientPool();
  beforeAll(async () => {
    app = await startTestApp({ PAYLOAD_ENCRYPTION: 'aes-256-gcm', PAYLOAD_KEYS: ROTATED_KEYS, FRAME_TIMEOUT_MS: '200', RATE_LIMIT_CONN_RPS: '0' });
  });
  afterEach(() => pool.closeAll());
  afterAll(() => app.close());

  const plain = () => pool.connect({ port: app.tcpPort });
  /** Sends a frame whose payload we sealed ourselves; returns the raw response and its decrypted payload. */
  async function sendSealed(frame: Envelope, sealed: unknown) {
    const client = await plain();
    const response = await client.sendEnvelope({ ...frame, payload: sealed as Record<string, unknown> });
    expect(isEncryptedPayload(response.payload)).toBe(true);
    return { response, payload: decryptPayload(response, response.payload, [newKey]) };
  }

  it('round trip: the SDK encrypts the request, the server answers encrypted with the current key', async () => {
    const client = await pool.connect({ port: app.tcpPort, payloadKeys: ROTATED_KEYS });
    const raw = recordRawFrames(client);
    const response = await client.request('control/ping', {}, { id: 'enc-1' });
    expect(response.payload.status).toBe(200);
    expect(typeof response.payload.server_time).toBe('number');
    expect(raw[0].payload).toEqual({ enc: 'aes-256-gcm', kid: 'k2', iv: expect.any(String), data: expect.any(String), tag: expect.any(String) });
    expect(Object.keys(raw[0].payload)).toHaveLength(5);
    // The plaintext never appears on the wire.
    expect(JSON.stringify(raw[0])).not.toContain('server_time');
  });

  it('plugins run by their order, not by when they registered: one registered after the seal still sees plaintext', async () => {
    // The app's plugins registered from different lifecycle hooks; the order values decide.
    expect(app.transport.pluginNames).toEqual(['metrics', 'request-log', 'rate-limit', 'payload-crypto']);
    const seen: unknown[] = [];
    app.transport.use({
      name: 'test-late-observer',
      order: PluginOrder.FEATURE,
      onOutbound: (_conn, frame) => {
        if (frame.id === 'late-1') seen.push(frame.payload);
      },
    });
    expect(app.transport.pluginNames).toEqual(['metrics', 'request-log', 'rate-limit', 'test-late-observer', 'payload-crypto']);
    const client = await pool.connect({ port: app.tcpPort, payloadKeys: ROTATED_KEYS });
    const raw = recordRawFrames(client);
    expect((await client.request('control/ping', {}, { id: 'late-1' })).payload.status).toBe(200);
    expect(seen).toEqual([expect.objectContaining({ status: 200, server_time: expect.any(Number) })]);
    expect(isEncryptedPayload(raw[0].payload)).toBe(true);
  });

  it('encrypts last: other plugins (metrics) still see the plaintext status of outgoing frames', async () => {
    const metrics = app.app.get(MetricsService);
    const count = async () =>
      (await metrics.framesOut.get()).values.find((v) => v.labels.command === 'control/ping' && v.labels.status === '200')?.value ?? 0;
    const before = await count();
    const client = await pool.connect({ port: app.tcpPort, payloadKeys: ROTATED_KEYS });
    expect((await client.request('control/ping')).payload.status).toBe(200);
    expect((await count()) - before).toBe(1);
  });

  it('key rotation: a request sealed with the old key is accepted; the response uses the current key', async () => {
    const frame = (await plain()).envelope('control/ping');
    const { response, payload } = await sendSealed(frame, encryptPayload(frame, {}, oldKey));
    expect(response.payload.kid).toBe('k2');
    expect(payload.status).toBe(200);
    // And an SDK client that only knows the old key cannot read the new responses.
    const stale = await pool.connect({ port: app.tcpPort, payloadKeys: OLD });
    await expect(stale.request('control/ping')).rejects.toThrow(/untrusted response .*unknown key id "k2"/);
  });

  it('tampering → 400 DECRYPTION_FAILED (flipped ciphertext bit, ciphertext moved to another frame, unknown kid, bad shape)', async () => {
    const frame = (await plain()).envelope('control/ping');
    const sealed = encryptPayload(frame, { hello: 'world' }, newKey);
    const data = Buffer.from(sealed.data, 'base64url');
    data[0] ^= 0x01;
    const cases: [Envelope, unknown, RegExp][] = [
      [frame, { ...sealed, data: data.toString('base64url') }, /authentication tag does not match/],
      [{ ...frame, id: `${frame.id}-moved` }, sealed, /authentication tag does not match/],
      [frame, { ...sealed, tag: Buffer.alloc(16).toString('base64url') }, /authentication tag does not match/],
      [frame, encryptPayload(frame, {}, parsePayloadKeys(`k9:${randomBytes(32).toString('base64')}`)[0]), /unknown key id "k9"/],
      [frame, { ...sealed, iv: 'AAAA' }, /"iv" must be 12 bytes/],
      [frame, { enc: 'rot13', data: 'x' }, /"enc" must be "aes-256-gcm"/],
    ];
    for (const [f, payload, message] of cases) {
      const { payload: answer } = await sendSealed(f, payload);
      expect(answer).toMatchObject({ status: 400, error_code: 'DECRYPTION_FAILED' });
      expect(answer.error_message).toMatch(message);
    }
  });

  it('a plaintext payload is refused with 400 ENCRYPTION_REQUIRED', async () => {
    const client = await plain();
    const response = await client.request('control/ping', { hello: 'world' });
    const payload = decryptPayload(response, response.payload, [newKey]);
    expect(payload).toMatchObject({ status: 400, error_code: 'ENCRYPTION_REQUIRED' });
    expect(payload.error_message).toMatch(/only accepts encrypted payloads/);
  });

  it('an encrypting SDK client registers, logs in and uses authenticated commands; tokens never travel in clear', async () => {
    const client = await pool.connect({ port: app.tcpPort, payloadKeys: ROTATED_KEYS });
    const raw = recordRawFrames(client);
    const user = await registerAndLogin(app, { client });
    const sessions = await client.call('auth/sessions');
    expect(JSON.stringify(sessions)).toContain(user.sessionId);
    expect(raw.length).toBeGreaterThanOrEqual(3);
    expect(raw.every((f) => isEncryptedPayload(f.payload))).toBe(true);
    expect(JSON.stringify(raw)).not.toContain(user.token);
  });

  it('never reuses an IV: 300 responses and events all carry distinct IVs', async () => {
    const client = await pool.connect({ port: app.tcpPort, payloadKeys: ROTATED_KEYS });
    const raw = recordRawFrames(client);
    const responses = await Promise.all(Array.from({ length: 300 }, () => client.request('control/ping')));
    expect(responses.every((r) => r.payload.status === 200)).toBe(true);
    const ivs = new Set(raw.map((f) => f.payload.iv));
    expect(raw).toHaveLength(300);
    expect(ivs.size).toBe(300);
  });

  it('server events are encrypted as well', async () => {
    const client = await pool.connect({ port: app.tcpPort, payloadKeys: ROTATED_KEYS });
    const raw = recordRawFrames(client);
    client.writeRaw('{"id":"partial"');
    const event = await client.waitFor('control/error');
    expect(event.payload.error_code).toBe('FRAME_TIMEOUT');
    expect(raw.find((f) => f.command === 'control/error')!.payload).toMatchObject({ enc: 'aes-256-gcm', kid: 'k2' });
  });
});

describe('PAYLOAD_ENCRYPTION=none', () => {
  let app: TestApp;
  const pool = new ClientPool();
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterEach(() => pool.closeAll());
  afterAll(() => app.close());

  it('refuses encrypted payloads with a hint instead of handing ciphertext to a handler', async () => {
    const plainClient = await pool.connect({ port: app.tcpPort });
    const frame = plainClient.envelope('control/ping');
    const response = await plainClient.sendEnvelope({ ...frame, payload: encryptPayload(frame, {}, newKey) as unknown as Record<string, unknown> });
    expect(response.payload).toMatchObject({ status: 400, error_code: 'DECRYPTION_FAILED' });
    expect(response.payload.error_message).toMatch(/not enabled on this server/);
  });
});

describe('signatures + encryption together', () => {
  let app: TestApp;
  const pool = new ClientPool();
  const SIGNING_KEY = randomBytes(32).toString('hex');
  beforeAll(async () => {
    app = await startTestApp({ SIGNATURE_MODE: 'require', SIGNING_KEY, PAYLOAD_ENCRYPTION: 'aes-256-gcm', PAYLOAD_KEYS: NEW });
  });
  afterEach(() => pool.closeAll());
  afterAll(() => app.close());

  it('signs the plaintext, then encrypts: the signature travels inside the ciphertext', async () => {
    const client = await pool.connect({ port: app.tcpPort, payloadKeys: NEW, signingKey: SIGNING_KEY });
    const raw = recordRawFrames(client);
    const response = await client.request('control/ping');
    expect(response.payload.status).toBe(200);
    expect(raw[0].payload.signature).toBeUndefined();
    const opened = { ...raw[0], payload: decryptPayload(raw[0], raw[0].payload, [newKey]) };
    expect(checkSignature(opened, SIGNING_KEY, 's2c')).toBe('valid');
  });

  it('an encrypted but unsigned request is decrypted, then refused by the signature guard', async () => {
    const client = await pool.connect({ port: app.tcpPort, payloadKeys: NEW });
    const response = await client.request('control/ping');
    expect(response.payload).toMatchObject({ status: 401, error_code: 'SIGNATURE_INVALID' });
  });
});

/**
 * Frame signatures over real TCP: SIGNATURE_MODE=require and verify, replay and clock checks,
 * and signed responses/events.
 */
import { randomBytes } from 'node:crypto';
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { Envelope, nowSeconds } from '../../../src/shared/protocol';
import { checkSignature, signPayload, withSignatureVersion } from '../../../src/shared/protocol/crypto';
import { registerAndLogin } from '../../support/users';
import { ClientPool, recordRawFrames } from '../../support/security-helpers';
import { startTestApp, TestApp } from '../../support/test-app';

const KEY = randomBytes(32).toString('hex');
const WINDOW_S = 60;

/** Signs a client frame in the v2 form (headers.signature_version: "2", direction c2s). */
function sign(frame: Envelope, key = KEY): Envelope {
  const versioned = { ...frame, headers: withSignatureVersion(frame.headers ?? {}, 2) };
  return { ...versioned, payload: signPayload(versioned, key, 'c2s') };
}

describe('SIGNATURE_MODE=require', () => {
  let app: TestApp;
  const pool = new ClientPool();
  beforeAll(async () => {
    app = await startTestApp({ SIGNATURE_MODE: 'require', SIGNING_KEY: KEY, SIGNATURE_WINDOW_S: String(WINDOW_S), FRAME_TIMEOUT_MS: '200' });
  });
  afterEach(() => pool.closeAll());
  afterAll(() => app.close());

  const plain = () => pool.connect({ port: app.tcpPort });

  it('accepts a signed ping, and the response carries a valid signature', async () => {
    const client = await pool.connect({ port: app.tcpPort, signingKey: KEY });
    const raw = recordRawFrames(client);
    const response = await client.request('control/ping', {}, { id: 'signed-1' });
    expect(response.payload.status).toBe(200);
    expect(raw).toHaveLength(1);
    expect(raw[0].payload.signature).toMatch(/^[0-9a-f]{64}$/);
    expect(checkSignature(raw[0], KEY, 's2c')).toBe('valid');
    expect(checkSignature({ ...raw[0], payload: { ...raw[0].payload, server_time: 1 } }, KEY, 's2c')).toBe('invalid');
  });

  it('refuses an unsigned frame with 401 SIGNATURE_INVALID (signed by the server)', async () => {
    const client = await plain();
    const response = await client.request('control/ping');
    expect(response.payload).toMatchObject({ status: 401, error_code: 'SIGNATURE_INVALID' });
    expect(response.payload.error_message).toMatch(/payload.signature is required/);
    expect(checkSignature(response, KEY, 's2c')).toBe('valid');
  });

  it('refuses a tampered payload, id, command or a signature made with another key', async () => {
    const client = await plain();
    const base = client.envelope('control/ping', { note: 'original' });
    const signed = sign(base);
    const tampered: Envelope[] = [
      { ...signed, payload: { ...signed.payload, note: 'changed' } },
      { ...signed, id: `${signed.id}-x` },
      { ...signed, command: 'control.ping' },
      { ...signed, timestamp: signed.timestamp! - 1 },
      sign(client.envelope('control/ping'), randomBytes(32).toString('hex')),
      { ...signed, id: `${signed.id}-y`, payload: { ...signed.payload, signature: 'not-hex' } },
    ];
    for (const frame of tampered) {
      const response = await client.sendEnvelope(frame);
      expect(response.payload).toMatchObject({ status: 401, error_code: 'SIGNATURE_INVALID' });
    }
    // The untouched original is still accepted: the refusals above did not consume its id.
    expect((await client.sendEnvelope(signed)).payload.status).toBe(200);
  });

  it('refuses a stale or future timestamp with 401 REPLAY_DETECTED', async () => {
    const client = await plain();
    const stale = sign({ ...client.envelope('control/ping'), timestamp: nowSeconds() - WINDOW_S - 5 });
    const future = sign({ ...client.envelope('control/ping'), timestamp: nowSeconds() + WINDOW_S + 5 });
    const { timestamp: _t, ...untimed } = client.envelope('control/ping');
    for (const frame of [stale, future, sign(untimed as Envelope)]) {
      const response = await client.sendEnvelope(frame);
      expect(response.payload).toMatchObject({ status: 401, error_code: 'REPLAY_DETECTED' });
    }
    const slightlyOff = sign({ ...client.envelope('control/ping'), timestamp: nowSeconds() - WINDOW_S + 5 });
    expect((await client.sendEnvelope(slightlyOff)).payload.status).toBe(200);
  });

  it('refuses a replayed frame id with 401 REPLAY_DETECTED, also from another connection', async () => {
    const first = await plain();
    const frame = sign(first.envelope('control/ping', {}, {}, `replay-${randomBytes(4).toString('hex')}`));
    expect((await first.sendEnvelope(frame)).payload.status).toBe(200);
    const again = await first.sendEnvelope(frame);
    expect(again.payload).toMatchObject({ status: 401, error_code: 'REPLAY_DETECTED' });
    expect(again.payload.error_message).toContain(frame.id);
    const other = await plain();
    expect((await other.sendEnvelope(frame)).payload).toMatchObject({ status: 401, error_code: 'REPLAY_DETECTED' });
  });

  it('signs server events and transport-level errors too', async () => {
    const client = await plain();
    // A partial frame is dropped after FRAME_TIMEOUT_MS with a control/error event.
    client.writeRaw('{"id":"partial"');
    const event = await client.waitFor('control/error');
    expect(event.payload.error_code).toBe('FRAME_TIMEOUT');
    expect(checkSignature(event, KEY, 's2c')).toBe('valid');
    // The server skips the rest of the dropped frame up to its newline.
    client.writeRaw('\n');
    const unknown = await client.sendEnvelope(sign(client.envelope('nope/nothing')));
    expect(unknown.payload.error_code).toBe('UNKNOWN_COMMAND');
    expect(checkSignature(unknown, KEY, 's2c')).toBe('valid');
  });

  it('public commands are signed too: unsigned auth/login is refused, a signing client registers, logs in and is served', async () => {
    const unsigned = await plain();
    const refused = await unsigned.request('auth/login', { username: 'nobody', password: 'whatever-123', client_info: { device: 'd', version: '1' } });
    expect(refused.payload).toMatchObject({ status: 401, error_code: 'SIGNATURE_INVALID' });

    const client = await pool.connect({ port: app.tcpPort, signingKey: KEY });
    const user = await registerAndLogin(app, { client });
    expect(user.token).toEqual(expect.any(String));
    expect((await client.request('auth/sessions')).payload.status).toBe(200);
    // A correctly signed request from a connection without a token still meets the token guard.
    const anonymous = await pool.connect({ port: app.tcpPort, signingKey: KEY });
    expect((await anonymous.request('auth/sessions')).payload).toMatchObject({ status: 401, error_code: 'TOKEN_MISSING' });
  });

  it('the SDK refuses responses that are not signed with its key', async () => {
    const wrongKey = await pool.connect({ port: app.tcpPort, signingKey: randomBytes(32).toString('hex') });
    const errors: Error[] = [];
    wrongKey.on('security-error', (err: Error) => errors.push(err));
    await expect(wrongKey.request('control/ping')).rejects.toThrow(/untrusted response control\/ping .*signature invalid/);
    expect(errors).toHaveLength(1);
  });
});

describe('SIGNATURE_MODE=verify', () => {
  let app: TestApp;
  const pool = new ClientPool();
  beforeAll(async () => {
    app = await startTestApp({ SIGNATURE_MODE: 'verify', SIGNING_KEY: KEY });
  });
  afterEach(() => pool.closeAll());
  afterAll(() => app.close());

  it('lets unsigned frames through but still signs the response', async () => {
    const client: SwitchboardClient = await pool.connect({ port: app.tcpPort });
    const response = await client.request('control/ping');
    expect(response.payload.status).toBe(200);
    expect(checkSignature(response, KEY, 's2c')).toBe('valid');
  });

  it('checks frames that are signed: valid passes, bad → SIGNATURE_INVALID, replay → REPLAY_DETECTED', async () => {
    const client = await pool.connect({ port: app.tcpPort });
    const good = sign(client.envelope('control/ping'));
    expect((await client.sendEnvelope(good)).payload.status).toBe(200);
    expect((await client.sendEnvelope(good)).payload).toMatchObject({ status: 401, error_code: 'REPLAY_DETECTED' });
    const bad = { ...sign(client.envelope('control/ping')), timestamp: nowSeconds() - 1 };
    bad.payload = { ...bad.payload, extra: true };
    expect((await client.sendEnvelope(bad)).payload).toMatchObject({ status: 401, error_code: 'SIGNATURE_INVALID' });
  });

  it('a signing SDK client works end to end', async () => {
    const client = await pool.connect({ port: app.tcpPort, signingKey: KEY });
    for (let i = 0; i < 5; i++) expect((await client.request('control/ping')).payload.status).toBe(200);
  });
});

/**
 * Every frame the server can write goes through the same outbound path (Connection.send → the
 * payload-crypto plugin): in each security mode, every kind of frame below arrives signed (v2,
 * "s2c") and/or encrypted, including the connection-limit notice written before a connection is
 * accepted. Frames are checked as they came off the wire (before the SDK opens them).
 *
 * Frame kinds: handler responses (success and error), transport responses (INVALID_JSON,
 * INVALID_ENVELOPE, UNKNOWN_COMMAND, UNSUPPORTED_VERSION, FRAME_TOO_LARGE, RATE_LIMITED), transport
 * events (control/error FRAME_TOO_LARGE, FRAME_TIMEOUT, IDLE_TIMEOUT, RATE_LIMITED flood close,
 * TOO_MANY_CONNECTIONS before accept), module pushes (presence/heartbeat echo, message/event).
 * A static check keeps it that way: no transport file but connection.ts writes frames to a socket.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { Envelope } from '../../../src/shared/protocol';
import { checkSignature, decryptPayload, isEncryptedPayload, parsePayloadKeys } from '../../../src/shared/protocol/crypto';
import { registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';

const SIGNING_KEY = randomBytes(32).toString('hex');
const PAYLOAD_KEYS = `k1:${randomBytes(32).toString('base64')}`;

const EXPECTED_KINDS = [
  'response 200 control/ping',
  'response 401 TOKEN_MISSING',
  'response 400 INVALID_JSON',
  'response 400 INVALID_ENVELOPE',
  'response 404 UNKNOWN_COMMAND',
  'response 426 UNSUPPORTED_VERSION',
  'response 413 FRAME_TOO_LARGE',
  'response 429 RATE_LIMITED',
  'event control/error FRAME_TOO_LARGE',
  'event control/error FRAME_TIMEOUT',
  'event control/error IDLE_TIMEOUT',
  'event control/error RATE_LIMITED',
  'event control/error TOO_MANY_CONNECTIONS',
  'event presence/heartbeat',
  'event message/event',
];

const modes: [string, Record<string, string>][] = [
  ['signatures', { SIGNATURE_MODE: 'require', SIGNING_KEY }],
  ['encryption', { PAYLOAD_ENCRYPTION: 'aes-256-gcm', PAYLOAD_KEYS }],
  ['signatures + encryption', { SIGNATURE_MODE: 'require', SIGNING_KEY, PAYLOAD_ENCRYPTION: 'aes-256-gcm', PAYLOAD_KEYS }],
];

describe.each(modes)('every server frame is sealed: %s', (_mode, securityEnv) => {
  const signing = securityEnv.SIGNATURE_MODE !== undefined;
  const encrypting = securityEnv.PAYLOAD_ENCRYPTION !== undefined;
  const keys = encrypting ? parsePayloadKeys(PAYLOAD_KEYS) : [];
  let app: TestApp;
  const clients: SwitchboardClient[] = [];
  /** Every frame received by every client, as it came off the wire. */
  const wire: Envelope<Record<string, any>>[] = [];

  const connect = async () => {
    const client = await SwitchboardClient.connect({
      port: app.tcpPort,
      timeoutMs: 10_000,
      signingKey: signing ? SIGNING_KEY : undefined,
      payloadKeys: encrypting ? PAYLOAD_KEYS : undefined,
    });
    clients.push(client);
    client.on('raw-frame', (frame: Envelope<Record<string, any>>) => wire.push(frame));
    return client;
  };

  beforeAll(async () => {
    app = await startTestApp({
      ...securityEnv,
      MAX_CONNECTIONS: '6',
      MAX_FRAME_BYTES: '4096',
      FRAME_TIMEOUT_MS: '300',
      IDLE_TIMEOUT_MS: '1500',
      RATE_LIMIT_CONN_RPS: '20',
      RATE_LIMIT_CONN_BURST: '20',
      RATE_LIMIT_FLOOD_STRIKES: '3',
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await app.close();
  });

  it('lists every frame kind and each one arrived sealed', async () => {
    // Handler responses, success and error; module pushes.
    const alice = await registerAndLogin(app, { client: await connect() });
    const bob = await registerAndLogin(app, { client: await connect() });
    await alice.client.call('message/send', { target: { type: 'user', id: bob.userId }, content: { type: 'text', text: 'sealed' } });
    await bob.client.waitFor('message/event');
    alice.client.sendEvent('presence/heartbeat', { seq: 1 });
    await alice.client.waitFor('presence/heartbeat');
    await alice.client.request('control/ping');
    await alice.client.request('nope/nothing');
    await alice.client.request('control/ping', {}, { headers: { version: '9.9' } });
    await alice.client.close();
    await bob.client.close();

    const c = await connect();
    await c.request('auth/sessions');
    // Transport responses to frames that never reach a handler.
    c.writeRaw('{not json}\n');
    c.writeRaw('{"id":"no-command","type":"request","payload":{}}\n');
    c.writeRaw('{"id":"partial"');
    await c.waitFor((f) => f.payload?.error_code === 'FRAME_TIMEOUT');
    c.writeRaw('\n');
    expect((await c.request('control/ping')).payload.status).toBe(200);
    c.writeRaw(`{"id":"big","payload":"${'x'.repeat(5000)}"}\n`);
    await c.waitFor((f) => f.command === 'control/error' && f.payload?.error_code === 'FRAME_TOO_LARGE');
    await c.closed;

    // Rate limit: 429s, then the flood close.
    const flooder = await connect();
    await Promise.all(Array.from({ length: 30 }, () => flooder.request('control/ping').catch(() => undefined)));
    await flooder.closed;

    // Idle timeout: a connection that never sends a valid frame.
    const idle = await connect();
    await idle.closed;

    // The connection-limit notice, written before the 7th connection is accepted (once the
    // server has seen every earlier connection close).
    while (app.transport.registry.size > 0) await new Promise((resolve) => setImmediate(resolve));
    const held = await Promise.all(Array.from({ length: 6 }, () => connect()));
    const refused = await connect();
    await refused.closed;
    await Promise.all(held.map((h) => h.close()));

    const kinds = new Set<string>();
    for (const frame of wire) {
      let payload = frame.payload;
      if (encrypting) {
        expect({ kind: `${frame.type} ${frame.command}`, encrypted: isEncryptedPayload(payload) }).toEqual({ kind: `${frame.type} ${frame.command}`, encrypted: true });
        payload = decryptPayload(frame, payload, keys);
      }
      const opened = { ...frame, payload };
      if (signing) {
        expect({ kind: `${frame.type} ${frame.command}`, version: frame.headers?.signature_version, check: checkSignature(opened, SIGNING_KEY, 's2c') }).toEqual({
          kind: `${frame.type} ${frame.command}`,
          version: '2',
          check: 'valid',
        });
      }
      kinds.add(frame.type === 'response' ? `response ${payload.status} ${payload.error_code ?? frame.command}` : `event ${frame.command}${frame.command === 'control/error' ? ` ${payload.error_code}` : ''}`);
    }
    for (const kind of EXPECTED_KINDS) expect([...kinds]).toContain(kind);
  });
});

describe('one outbound path', () => {
  it('no transport file but connection.ts writes to a socket (every frame goes through Connection.send)', () => {
    const dir = path.resolve(__dirname, '../../../src/transport');
    const offenders: string[] = [];
    for (const file of fs.readdirSync(dir)) {
      // tlv-*.ts speak the binary TLV file channel (its own frames, not envelopes); tlv-channel.ts
      // was split into tlv-channel, tlv-channel-connection and tlv-frame-reader. websocket-listener.ts
      // writes only the HTTP answer of a refused upgrade (403/404), before any frame exists; frames
      // of WebSocket connections go through Connection.send (websocket-socket.ts turns them into messages).
      if (!file.endsWith('.ts') || file === 'connection.ts' || file.startsWith('tlv-') || file === 'switchboard.client-proxy.ts' || file === 'websocket-listener.ts') continue;
      const source = fs.readFileSync(path.join(dir, file), 'utf8');
      if (/\.(write|end)\((?!\))/.test(source) || /encodeFrame\(/.test(source)) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });
});

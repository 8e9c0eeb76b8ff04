/**
 * The SDK trusts only what is sealed the way it was configured: with `payloadKeys` a plaintext
 * response or event (a forged token, a forged message/event) is refused, and with `signingKey` an
 * unsigned, v1-signed or client-direction-signed frame is refused. Refusals surface as a
 * `security-error` event (and reject the pending request); nothing forged reaches `event`
 * listeners or a request's result. The "server" here is a raw TCP socket playing the attacker
 * (a MITM on a plaintext port); the last frame of each case is a genuine one, proving the
 * client still accepts correctly sealed frames.
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { Envelope, encodeFrame, LineFrameDecoder, nowSeconds } from '../../../src/shared/protocol';
import { encryptPayload, parsePayloadKeys, signPayload, withSignatureVersion } from '../../../src/shared/protocol/crypto';
import { skipFrameContract } from '../../support/frame-contract';

const SIGNING_KEY = randomBytes(32).toString('hex');
const PAYLOAD_KEYS = `k1:${randomBytes(32).toString('base64')}`;
const [PAYLOAD_KEY] = parsePayloadKeys(PAYLOAD_KEYS);

/** A fake server: hands each decoded client frame to `onFrame` with a write function. */
async function fakeServer(onFrame: (frame: Envelope, write: (f: Envelope) => void) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const decoder = new LineFrameDecoder({ maxFrameBytes: 1 << 20 });
    socket.on('data', (chunk) => decoder.push(chunk, (d) => d.kind === 'frame' && onFrame(d.value as Envelope, (f) => socket.write(encodeFrame(f)))));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const response = (id: string, command: string, payload: Record<string, unknown>): Envelope => ({ id, type: 'response', timestamp: nowSeconds(), command, headers: { version: '1.0' }, payload });
const event = (command: string, payload: Record<string, unknown>): Envelope => ({ id: `evt-${randomBytes(4).toString('hex')}`, type: 'event', timestamp: nowSeconds(), command, headers: { version: '1.0' }, payload });

function signS2c(frame: Envelope, version: 1 | 2 = 2, direction: 'c2s' | 's2c' = 's2c'): Envelope {
  const versioned = { ...frame, headers: withSignatureVersion(frame.headers ?? {}, version) };
  return { ...versioned, payload: signPayload(versioned, SIGNING_KEY, direction) };
}
const seal = (frame: Envelope): Envelope => ({ ...frame, payload: encryptPayload(frame, frame.payload, PAYLOAD_KEY) as unknown as Record<string, unknown> });

// A fake server of this spec's own sends hand-made frames: not the server's contract to check.
skipFrameContract();

describe('SDK refuses forged frames', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
  });

  async function setup(options: { signingKey?: string; payloadKeys?: string }, answer: (frame: Envelope, write: (f: Envelope) => void) => void) {
    const server = await fakeServer(answer);
    const client = await SwitchboardClient.connect({ port: server.port, timeoutMs: 3000, ...options });
    cleanup.push(async () => {
      client.destroy();
      await server.close();
    });
    const securityErrors: string[] = [];
    const events: Envelope[] = [];
    client.on('security-error', (err: Error) => securityErrors.push(err.message));
    client.on('event', (frame: Envelope) => events.push(frame));
    return { client, securityErrors, events };
  }

  it('with payloadKeys: a plaintext response (forged token) and a plaintext message/event are refused', async () => {
    const { client, securityErrors, events } = await setup({ payloadKeys: PAYLOAD_KEYS }, (frame, write) => {
      if (frame.command === 'auth/login') {
        write(event('message/event', { message: { text: 'forged' } }));
        write(response(frame.id, frame.command, { status: 200, token: 'forged-token' }));
      } else {
        write(seal(event('presence/heartbeat', { seq: 1 })));
        write(seal(response(frame.id, frame.command, { status: 200 })));
      }
    });
    await expect(client.request('auth/login', { username: 'a', password: 'b' })).rejects.toThrow(/untrusted response auth\/login .*payload is not encrypted/);
    expect(client.token).toBeUndefined();
    // A genuine (sealed) exchange still works, and only the genuine event was delivered.
    expect((await client.request('control/ping')).payload.status).toBe(200);
    expect(events.map((e) => e.command)).toEqual(['presence/heartbeat']);
    expect(securityErrors).toHaveLength(2);
    expect(securityErrors[0]).toMatch(/untrusted event message\/event .*payload is not encrypted/);
  });

  it('with a signing key: unsigned, v1-signed and client-direction-signed frames are refused', async () => {
    const { client, securityErrors, events } = await setup({ signingKey: SIGNING_KEY }, (frame, write) => {
      write(event('message/event', { message: { text: 'unsigned' } }));
      write(signS2c(event('message/event', { message: { text: 'v1' } }), 1));
      write(signS2c(event('message/event', { message: { text: 'reflected' } }), 2, 'c2s'));
      write(signS2c(event('presence/heartbeat', { seq: 2 })));
      write(signS2c(response(frame.id, frame.command, { status: 200 })));
    });
    expect((await client.request('control/ping')).payload.status).toBe(200);
    expect(events.map((e) => e.command)).toEqual(['presence/heartbeat']);
    expect(securityErrors).toHaveLength(3);
    expect(securityErrors[0]).toMatch(/signature missing/);
    expect(securityErrors[1]).toMatch(/signature form is not v2/);
    expect(securityErrors[2]).toMatch(/signature invalid/);
  });
});

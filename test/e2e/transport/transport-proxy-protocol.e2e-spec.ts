/**
 * PROXY protocol on the control port and the file data port, over real TCP (the test plays the
 * load balancer: every connection really comes from 127.0.0.1, the header says who the client
 * is). The session records the client's address, MAX_CONNECTIONS_PER_IP counts per client
 * address, not per balancer; the file port reads the header too. A connection without a header,
 * with a malformed one, or one that does not finish its header in time is closed; an untrusted
 * source is closed at once.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { FileDataChannel } from '../../../src/modules/file/file-data-channel';
import { TlvType } from '../../../src/shared/protocol';
import { login, uniqueUsername } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { generatePki, TestPki } from '../../support/security-helpers';
import { TlvPeer } from '../../support/tlv-helpers';

const TIMEOUT_MS = 300;

function v1(address: string, port = 40000): string {
  return `PROXY TCP4 ${address} 127.0.0.1 ${port} 9400\r\n`;
}

function v2(address: number[], port = 40000): Buffer {
  const header = Buffer.alloc(28);
  Buffer.from('0d0a0d0a000d0a515549540a', 'hex').copy(header);
  header[12] = 0x21; // v2, PROXY
  header[13] = 0x11; // IPv4, stream
  header.writeUInt16BE(12, 14);
  Buffer.from(address).copy(header, 16);
  Buffer.from([127, 0, 0, 1]).copy(header, 20);
  header.writeUInt16BE(port, 24);
  header.writeUInt16BE(9400, 26);
  return header;
}

describe('PROXY protocol (PROXY_PROTOCOL=any)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ PROXY_PROTOCOL: 'any', PROXY_PROTOCOL_TIMEOUT_MS: String(TIMEOUT_MS), MAX_CONNECTIONS_PER_IP: '2' });
  });
  afterAll(() => app.close());

  /** A client whose first bytes are `header`, as a balancer would send them. */
  async function via(header: string | Buffer): Promise<SwitchboardClient> {
    const client = await app.connect();
    client.writeRaw(header);
    return client;
  }

  it('records the client address from a v1 or v2 header, not the connecting one', async () => {
    const username = uniqueUsername('pp');
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const first = await via(v1('203.0.113.7'));
    await first.call('auth/register', { username, password });
    await login(first, username, password, 'desktop');
    const second = await via(v2([198, 51, 100, 20]));
    await login(second, username, password, 'phone');
    const { sessions } = await second.call('auth/sessions');
    const byDevice = Object.fromEntries((sessions as { device: string; remote_address: string }[]).map((s) => [s.device, s.remote_address]));
    expect(byDevice).toEqual({ desktop: '203.0.113.7', phone: '198.51.100.20' });
  });

  it('applies MAX_CONNECTIONS_PER_IP to each client address behind the balancer', async () => {
    const a = [await via(v1('192.0.2.10')), await via(v1('192.0.2.10'))];
    for (const c of a) expect((await c.request('control/ping')).payload.status).toBe(200);
    const third = await via(v1('192.0.2.10'));
    const refused = await third.waitFor('control/error');
    expect(refused.payload).toMatchObject({ status: 503, error_code: 'TOO_MANY_CONNECTIONS' });
    await third.closed;
    // Another client behind the same balancer is not affected.
    const other = await via(v2([192, 0, 2, 11]));
    expect((await other.request('control/ping')).payload.status).toBe(200);
  });

  it('takes a header split over several packets, and a frame in the same packet as the header', async () => {
    const client = await app.connect();
    const header = v1('192.0.2.30');
    client.writeRaw(header.slice(0, 3));
    // Written separately: Nagle is off on the client, but the server may still read them
    // together; either way the header completes on the last piece.
    await new Promise((resolve) => setImmediate(resolve));
    client.writeRaw(header.slice(3, 20));
    await new Promise((resolve) => setImmediate(resolve));
    client.writeRaw(`${header.slice(20)}${JSON.stringify({ id: 'same-packet', type: 'request', command: 'control/ping', payload: {} })}\n`);
    expect((await client.waitFor((f) => f.id === 'same-packet')).payload.status).toBe(200);
  });

  it.each([
    ['no header (a direct client)', `${JSON.stringify({ id: 'x', type: 'request', command: 'control/ping', payload: {} })}\n`],
    ['a malformed v1 header', 'PROXY TCP4 999.0.0.1 127.0.0.1 1 2\r\n'],
    ['a v2 signature followed by garbage', Buffer.concat([Buffer.from('0d0a0d0a000d0a515549540a', 'hex'), Buffer.from([0x99, 0, 0, 0])])],
  ])('closes a connection with %s, answering nothing', async (_name, bytes) => {
    const client = await via(bytes);
    await client.closed;
    expect(client.events).toEqual([]);
  });

  it(`closes a connection whose header is not complete within PROXY_PROTOCOL_TIMEOUT_MS`, async () => {
    const client = await via('PROXY TCP4 192.0.2.40');
    const started = Date.now();
    await client.closed;
    // Measured from after the connect, so a little less than the full timeout may be left.
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
  });

  it('reads the header on the file data port too', async () => {
    const channel = app.app.get(FileDataChannel).channel;
    const peer = await TlvPeer.connect(channel.port);
    peer.writeRaw(Buffer.concat([v2([203, 0, 113, 50], 51000), Buffer.from([TlvType.ACK, 0, 0, 0, 0])]));
    // The channel answers the out-of-place frame: it read past the header.
    const error = await peer.next((f) => f.type === TlvType.ERROR);
    expect(JSON.parse(error.payload.toString())).toMatchObject({ error_code: 'INVALID_FRAME' });
    const unproxied = await TlvPeer.connect(channel.port);
    unproxied.writeRaw(Buffer.from([TlvType.ACK, 0, 0, 0, 0]));
    await unproxied.whenClosed();
    expect(unproxied.frames).toEqual([]);
  });
});

describe('PROXY protocol with PROXY_PROTOCOL_TRUSTED', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ PROXY_PROTOCOL: 'v1', PROXY_PROTOCOL_TRUSTED: '10.0.0.0/8,192.0.2.1' });
  });
  afterAll(() => app.close());

  it('closes connections from any other source before reading a byte', async () => {
    const client = await app.connect();
    client.writeRaw(v1('203.0.113.7'));
    await client.closed;
    expect(client.events).toEqual([]);
  });
});

describe('PROXY protocol in front of TLS (TLS_CERT/TLS_KEY + PROXY_PROTOCOL=v2)', () => {
  let app: TestApp;
  let pki: TestPki;
  beforeAll(async () => {
    pki = generatePki();
    app = await startTestApp({ PROXY_PROTOCOL: 'v2', TLS_CERT: pki.serverCert, TLS_KEY: pki.serverKey });
  });
  afterAll(async () => {
    await app.close();
    pki.cleanup();
  });

  it('strips the header from the raw stream, then speaks TLS with the client address on the connection', async () => {
    const raw = net.connect(app.tcpPort, '127.0.0.1');
    await new Promise((resolve) => raw.once('connect', resolve));
    // The header and the ClientHello usually share a packet: the TLS layer must get the rest.
    raw.write(v2([203, 0, 113, 77], 52000));
    const secure = tls.connect({ socket: raw, ca: fs.readFileSync(pki.caCert), servername: 'localhost' });
    await new Promise((resolve) => secure.once('secureConnect', resolve));
    secure.write(`${JSON.stringify({ id: 'tls-ping', type: 'request', command: 'control/ping', payload: {} })}\n`);
    const line = await new Promise<string>((resolve) => {
      let text = '';
      secure.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(text.split('\n')[0]);
      });
    });
    expect(JSON.parse(line)).toMatchObject({ id: 'tls-ping', payload: { status: 200 } });
    expect([...app.transport.registry.all()].map((c) => c.remoteAddress)).toEqual(['203.0.113.77']);
    secure.destroy();
  });
});

describe('PROXY protocol: connections waiting for their header are bounded (by MAX_CONNECTIONS)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ PROXY_PROTOCOL: 'v1', MAX_CONNECTIONS: '3', PROXY_PROTOCOL_TIMEOUT_MS: '10000' });
  });
  afterAll(() => app.close());

  it('closes a new connection at once while MAX_CONNECTIONS others have sent no header yet', async () => {
    const silent = [await app.connect(), await app.connect(), await app.connect()];
    const started = Date.now();
    const extra = await app.connect();
    await extra.closed;
    expect(Date.now() - started).toBeLessThan(5000);
    // The waiting ones are served once their header arrives.
    silent[0].writeRaw(v1('192.0.2.60'));
    expect((await silent[0].request('control/ping')).payload.status).toBe(200);
  });
});

/**
 * The transport's side-channel API (serveChannel) over real sockets: a test module serves an
 * echo channel and we check what a module gets for free — framing, ordered async handling,
 * the control port's limits (frame size, idle, MAX_CONNECTIONS), TLS, drain, close and metrics.
 */
import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { TlvFrame } from '../../../src/shared/protocol';
import { ChannelConnection, ServedChannel, SwitchboardServer } from '../../../src/transport';
import { generatePki, TestPki } from '../../support/security-helpers';
import { startTestApp, TestApp } from '../../support/test-app';
import { TlvPeer } from '../../support/tlv-helpers';

const ECHO = 0x01;
const ERROR = 0x05;

@Injectable()
class EchoChannel implements OnModuleInit {
  channel!: ServedChannel;
  closed: ChannelConnection[] = [];
  constructor(private readonly server: SwitchboardServer) {}

  onModuleInit(): void {
    this.channel = this.server.serveChannel({
      name: 'echo',
      port: 0,
      maxPayloadBytes: 1024,
      // Async on purpose: frames must still come back in order, one at a time.
      onFrame: async (conn: ChannelConnection, frame: TlvFrame) => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        conn.send(ECHO, frame.payload);
      },
      onRefuse: (conn, refusal) => conn.send(ERROR, JSON.stringify(refusal)),
      onClose: (conn) => this.closed.push(conn),
    });
  }
}

@Module({ providers: [EchoChannel] })
class EchoChannelModule {}

function tlv(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(type, 0);
  header.writeUInt32LE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

describe('transport side channels (serveChannel)', () => {
  let app: TestApp;
  let echo: EchoChannel;
  const peers: TlvPeer[] = [];
  const connect = async () => {
    const peer = await TlvPeer.connect(echo.channel.port);
    peers.push(peer);
    return peer;
  };

  beforeAll(async () => {
    app = await startTestApp({ IDLE_TIMEOUT_MS: '300', MAX_CONNECTIONS: '3' }, { imports: [EchoChannelModule] });
    echo = app.app.get(EchoChannel);
  });
  afterEach(() => peers.splice(0).forEach((p) => p.destroy()));
  afterAll(() => app.close());

  it('listens on its own port with the control port and answers frames in order, split across reads', async () => {
    expect(echo.channel.port).toBeGreaterThan(0);
    expect(echo.channel.port).not.toBe(app.tcpPort);
    expect(echo.channel.protocol).toBe('tcp');
    expect(app.transport.isListening).toBe(true);
    const peer = await connect();
    const bytes = Buffer.concat([0, 1, 2, 3, 4].map((i) => tlv(ECHO, Buffer.from(`frame-${i}`))));
    // Byte by byte: the decoder reassembles frames whatever the read boundaries.
    for (const b of bytes) peer.writeRaw(Buffer.from([b]));
    await peer.next((f) => f.payload.toString() === 'frame-4');
    expect(peer.frames.map((f) => f.payload.toString())).toEqual([0, 1, 2, 3, 4].map((i) => `frame-${i}`));
  });

  it('refuses a length header above maxPayloadBytes before buffering it, then closes', async () => {
    const peer = await connect();
    const header = Buffer.alloc(5);
    header.writeUInt8(ECHO, 0);
    header.writeUInt32LE(4 * 1024 * 1024, 1);
    peer.writeRaw(header);
    const error = await peer.nextJson(ERROR);
    expect(error).toMatchObject({ status: 413, error_code: 'FRAME_TOO_LARGE' });
    expect(error.error_message).toContain('1024');
    await peer.whenClosed();
  });

  it('closes a connection that sends no frame within IDLE_TIMEOUT_MS, saying so', async () => {
    const peer = await connect();
    const error = await peer.nextJson(ERROR);
    expect(error).toMatchObject({ status: 408, error_code: 'IDLE_TIMEOUT' });
    await peer.whenClosed();
  });

  it('applies MAX_CONNECTIONS per channel with a retryable refusal', async () => {
    const open = await Promise.all([connect(), connect(), connect()]);
    for (const p of open) p.send(ECHO, 'hi');
    await Promise.all(open.map((p) => p.next()));
    const fourth = await connect();
    const error = await fourth.nextJson(ERROR);
    expect(error).toMatchObject({ status: 503, error_code: 'TOO_MANY_CONNECTIONS', retry_after_ms: 1000 });
    await fourth.whenClosed();
    // The control port still takes clients: the limits are counted per port.
    const client = await app.connect();
    expect((await client.request('control/ping')).payload.status).toBe(200);
  });

  it('reports channel connections, refusals and bytes on /metrics', async () => {
    const peer = await connect();
    peer.send(ECHO, 'count me');
    await peer.next();
    peer.destroy();
    await peer.whenClosed();
    const text = await (await fetch(`http://127.0.0.1:${app.httpPort}/metrics`)).text();
    expect(text).toMatch(/switchboard_channel_connections_total\{channel="echo"\} [1-9]/);
    expect(text).toMatch(/switchboard_channel_rejected_total\{channel="echo",error_code="FRAME_TOO_LARGE"\} 1/);
    expect(text).toMatch(/switchboard_channel_bytes_in_total\{channel="echo"\} [1-9]/);
    expect(text).toMatch(/switchboard_channel_bytes_out_total\{channel="echo"\} [1-9]/);
  });
});

describe('transport side channels: drain, close and TLS', () => {
  it('on drain tells open channel connections SERVER_DRAINING and stops accepting; close() destroys the rest', async () => {
    const app = await startTestApp({}, { imports: [EchoChannelModule] });
    try {
      const echo = app.app.get(EchoChannel);
      const port = echo.channel.port;
      const peer = await TlvPeer.connect(port);
      peer.send(ECHO, 'before');
      await peer.next();
      await app.transport.stopAccepting(1234);
      const error = await peer.nextJson(ERROR);
      expect(error).toMatchObject({ status: 503, error_code: 'SERVER_DRAINING', retry_after_ms: 1234 });
      await peer.whenClosed();
      await expect(TlvPeer.connect(port)).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await app.close();
    }
  });

  it('close() destroys open channel sockets (no hang)', async () => {
    const app = await startTestApp({}, { imports: [EchoChannelModule] });
    const echo = app.app.get(EchoChannel);
    const peer = await TlvPeer.connect(echo.channel.port);
    // A half-sent frame: the server is waiting for the rest when it closes.
    peer.writeRaw(Buffer.from([ECHO, 10, 0, 0, 0, 1, 2]));
    await app.close();
    await peer.whenClosed();
    expect(echo.closed.length).toBeGreaterThanOrEqual(1);
  });

  describe('with TLS_CERT/TLS_KEY', () => {
    let pki: TestPki;
    let app: TestApp;
    beforeAll(async () => {
      pki = generatePki();
      app = await startTestApp({ TLS_CERT: pki.serverCert, TLS_KEY: pki.serverKey, TLS_PORT: '0', TLS_ALLOW_PLAINTEXT: 'true' }, { imports: [EchoChannelModule] });
    });
    afterAll(async () => {
      await app.close();
      pki.cleanup();
    });

    it('speaks TLS with the control port certificate, and plaintext is refused', async () => {
      const echo = app.app.get(EchoChannel);
      expect(echo.channel.protocol).toBe('tls');
      const peer = await TlvPeer.connect(echo.channel.port, { tls: { ca: fs.readFileSync(pki.caCert), servername: 'localhost' } });
      peer.send(ECHO, 'secret');
      expect((await peer.next()).payload.toString()).toBe('secret');
      peer.destroy();
      // A plaintext TLV frame is not a TLS ClientHello: the handshake fails and the socket closes.
      const plain = net.connect({ port: echo.channel.port, host: '127.0.0.1' });
      plain.on('error', () => undefined);
      plain.write(tlv(ECHO, Buffer.from('clear')));
      const received: Buffer[] = [];
      plain.on('data', (c: Buffer) => received.push(c));
      await new Promise((resolve) => plain.once('close', resolve));
      expect(Buffer.concat(received).includes(Buffer.from('clear'))).toBe(false);
    });
  });
});

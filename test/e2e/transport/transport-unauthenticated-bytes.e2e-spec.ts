/**
 * Issue #18.9, the per-address bound: connections that have not authenticated yet (not logged in
 * on the control port; no frame accepted yet on a side channel) may hold at most
 * MAX_UNAUTHENTICATED_BYTES_PER_IP bytes of unfinished frames per remote address, across ports.
 * The connection that goes over gets 429 RATE_LIMITED and is closed; the others keep theirs; a
 * logged-in connection's partial frames do not count. Before, one address could hold
 * MAX_CONNECTIONS_PER_IP x MAX_FRAME_BYTES without logging in.
 */
import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { encodeTlvHeader } from '../../../src/shared/protocol';
import { ServedChannel, SwitchboardServer } from '../../../src/transport';
import { startTestApp, TestApp } from '../../support/test-app';
import { TlvPeer } from '../../support/tlv-helpers';
import { NO_RATE_LIMIT, lastConnection } from '../../support/transport-helpers';
import { registerAndLogin } from '../../support/users';

const LIMIT = 4096;
const ERROR = 0x05;

@Injectable()
class SinkChannel implements OnModuleInit {
  channel!: ServedChannel;
  constructor(private readonly server: SwitchboardServer) {}
  onModuleInit(): void {
    this.channel = this.server.serveChannel({
      name: 'sink',
      port: 0,
      maxPayloadBytes: 64 * 1024,
      onFrame: () => undefined,
      onRefuse: (conn, refusal) => conn.send(ERROR, JSON.stringify(refusal)),
    });
  }
}

@Module({ providers: [SinkChannel] })
class SinkChannelModule {}

/** Resolves once `condition` holds (checked on every turn of the event loop's timers). */
async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('#18.9 per-address bound on the partial frames of unauthenticated connections', () => {
  let app: TestApp;
  let sink: SinkChannel;
  let server: SwitchboardServer;
  let address = '';
  const held = () => server.unauthenticatedBytes.heldBy(address);

  beforeAll(async () => {
    app = await startTestApp({ ...NO_RATE_LIMIT, MAX_UNAUTHENTICATED_BYTES_PER_IP: String(LIMIT) }, { imports: [SinkChannelModule] });
    sink = app.app.get(SinkChannel);
    server = app.transport;
  });
  afterAll(() => app.close());

  it('refuses the connection that takes its address over the bound, on either port; logged-in connections do not count', async () => {
    const head = '{"id":"p","command":"control/ping","payload":{"pad":"';
    const partial = (n: number) => head + 'x'.repeat(n - head.length);
    const a = await app.connect();
    // How the server sees 127.0.0.1 (IPv4-mapped on a dual-stack listener).
    address = lastConnection(app).remoteAddress;
    const b = await app.connect();
    a.writeRaw(partial(1500));
    await until(() => held() === 1500, 'the first partial frame');
    b.writeRaw(partial(1500));
    await until(() => held() === 3000, 'the second partial frame');
    // The file-style channel: a frame header and part of its payload, before any frame was accepted.
    const peer = await TlvPeer.connect(sink.channel.port);
    peer.writeRaw(Buffer.concat([encodeTlvHeader(0x03, 5000), Buffer.alloc(495)]));
    await until(() => held() === 3500, 'the channel partial frame');

    // A logged-in user's partial frame is not counted.
    const user = await registerAndLogin(app);
    user.client.writeRaw(partial(2000));
    const [userConn] = [...server.registry.forUser(user.userId)];
    await until(() => userConn.decoder.pendingBytes === 2000, "the logged-in user's partial frame");
    expect(held()).toBe(3500);

    // The next 1000 unauthenticated bytes go over 4096: that connection is refused and closed.
    const c = await app.connect();
    c.writeRaw(partial(1000));
    await c.closed;
    expect(c.events.find((f) => f.command === 'control/error')?.payload).toMatchObject({ status: 429, error_code: 'RATE_LIMITED', retry_after_ms: expect.any(Number) });
    expect(held()).toBe(3500);
    // The same on the channel port.
    const peer2 = await TlvPeer.connect(sink.channel.port);
    peer2.writeRaw(Buffer.concat([encodeTlvHeader(0x03, 5000), Buffer.alloc(995)]));
    const refused = await peer2.next((f) => f.type === ERROR);
    expect(JSON.parse(refused.payload.toString())).toMatchObject({ status: 429, error_code: 'RATE_LIMITED' });
    await peer2.whenClosed();

    // The others keep their frames: they complete normally.
    a.writeRaw('"}}\n');
    b.writeRaw('"}}\n');
    await a.waitFor((f) => f.type === 'response' && f.id === 'p');
    await b.waitFor((f) => f.type === 'response' && f.id === 'p');
    user.client.writeRaw('"}}\n');
    await user.client.waitFor((f) => f.type === 'response' && f.id === 'p');
    expect(held()).toBe(500);
    peer.destroy();
    await until(() => held() === 0, 'the channel connection to release its bytes');
    for (const client of [a, b, user.client]) client.destroy();
  });
});

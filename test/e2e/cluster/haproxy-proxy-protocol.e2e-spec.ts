/**
 * A real HAProxy configured like docker/haproxy.cfg (`send-proxy-v2`, checks on the ops port) in
 * front of a node with PROXY_PROTOCOL=v2 trusting only the balancer: HAProxy connects to the node
 * from 127.0.0.1, the clients connect to HAProxy from 127.0.0.2 and 127.0.0.3 (distinct loopback
 * addresses), and the node sees the clients' addresses - in the session record and in
 * MAX_CONNECTIONS_PER_IP, which caps each client address, not the balancer.
 */
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { RunningHaproxy, startHaproxy } from '../../support/haproxy';
import { describeWith } from '../../support/requires';
import { startTestApp, TestApp } from '../../support/test-app';
import { login, registerOn } from '../../support/users';

describeWith({ haproxy: true }, 'HAProxy with send-proxy-v2 in front of a node with PROXY_PROTOCOL=v2', () => {
  let node: TestApp;
  let lb: RunningHaproxy;
  const clients: SwitchboardClient[] = [];

  beforeAll(async () => {
    node = await startTestApp({ PROXY_PROTOCOL: 'v2', PROXY_PROTOCOL_TRUSTED: '127.0.0.1', MAX_CONNECTIONS_PER_IP: '2' });
    lb = await startHaproxy([{ tcpPort: node.tcpPort, httpPort: node.httpPort }], { sendProxy: 'v2' });
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await lb?.stop();
    await node?.close();
  });

  /** A client through the balancer from `localAddress`, once the node answers through it. */
  async function from(localAddress: string): Promise<SwitchboardClient> {
    // HAProxy accepts before its first check marked the node up: retry like a client would.
    for (let attempt = 0; ; attempt++) {
      const client = await SwitchboardClient.connect({ port: lb.port, localAddress, timeoutMs: 5000 });
      clients.push(client);
      const pong = await client.request('control/ping').catch(() => undefined);
      if (pong?.payload.status === 200) return client;
      client.destroy();
      if (attempt > 50) throw new Error(`no answer through HAProxy: ${lb.output.join('')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it("records the client's address, not HAProxy's", async () => {
    const client = await from('127.0.0.2');
    const user = await registerOn(client);
    await login(client, user.username, user.password, 'desktop');
    const { sessions } = await client.call('auth/sessions');
    expect(sessions).toEqual([expect.objectContaining({ device: 'desktop', remote_address: '127.0.0.2' })]);
  });

  it('caps connections per client address behind the balancer', async () => {
    // The node has no other connection from 127.0.0.3 (the first test's client is 127.0.0.2).
    const [a, b] = [await from('127.0.0.3'), await from('127.0.0.3')];
    expect([a.isOpen, b.isOpen]).toEqual([true, true]);
    const third = await SwitchboardClient.connect({ port: lb.port, localAddress: '127.0.0.3' });
    clients.push(third);
    const refused = await third.waitFor('control/error');
    expect(refused.payload).toMatchObject({ status: 503, error_code: 'TOO_MANY_CONNECTIONS' });
    await third.closed;
    // Every connection reaches the node from HAProxy's 127.0.0.1: without the PROXY header the
    // cap of 2 would already refuse this one.
    const other = await from('127.0.0.4');
    expect((await other.request('control/ping')).payload.status).toBe(200);
    const seen = [...node.transport.registry.all()].map((c) => c.remoteAddress).sort();
    expect(seen).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.3', '127.0.0.4']);
  });
});

/**
 * A TCP proxy the test controls, put in front of PostgreSQL or Redis to simulate their outage
 * without touching the shared servers: `down()` cuts every open connection and refuses new ones
 * (accepted, then reset at once, like a server that is not there), `up()` forwards again.
 */
import * as net from 'node:net';

export interface TcpProxy {
  port: number;
  /** Open client-side connections (tests wait for reconnects). */
  readonly open: number;
  /** Cuts every connection and refuses new ones until up(). */
  down(): void;
  up(): void;
  /** New connections go to this port from now on (open ones stay where they are): a balancer choosing another node. */
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(initialPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let targetPort = initialPort;
  const pairs = new Set<[net.Socket, net.Socket]>();
  let refusing = false;
  const server = net.createServer((client) => {
    client.on('error', () => undefined);
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get open() {
      return pairs.size;
    },
    down() {
      refusing = true;
      for (const [client, upstream] of [...pairs]) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    up() {
      refusing = false;
    },
    retarget(port: number) {
      targetPort = port;
    },
    close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

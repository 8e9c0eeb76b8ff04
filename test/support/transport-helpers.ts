/**
 * Small helpers for transport-level e2e tests: raw frames, waiting for the response to an id
 * written with writeRaw(), and proving a connection is still usable.
 */
import * as net from 'node:net';
import type { SwitchboardClient } from '../../src/client/switchboard-client';
import { type Connection, PluginOrder, type TransportPlugin } from '../../src/transport';
import type { Envelope } from '../../src/shared/protocol';
import type { TestApp } from './test-app';

/**
 * Env overrides that switch off the per-connection request rate limit (security module): transport
 * tests pipeline thousands of frames on purpose; rate limiting has its own specs.
 */
export const NO_RATE_LIMIT = { RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0' } as const;

/** One newline-terminated JSON frame. */
export function frameText(frame: Record<string, unknown>): string {
  return JSON.stringify(frame) + '\n';
}

/** The response frame with this id, for frames written with writeRaw() (they arrive as orphans). */
export function responseTo(client: SwitchboardClient, id: string, timeoutMs?: number): Promise<Envelope<Record<string, any>>> {
  return client.waitFor((f) => f.type === 'response' && f.id === id, { timeoutMs });
}

/** Asserts the connection still answers a ping (the previous bad frame did not kill it). */
export async function expectAlive(client: SwitchboardClient, id = `alive-${Math.random().toString(36).slice(2)}`): Promise<void> {
  const response = await client.request('control/ping', {}, { id });
  if (response.payload.status !== 200 || response.id !== id) {
    throw new Error(`connection not usable: ${JSON.stringify(response)}`);
  }
}

/** The server-side Connection of the most recently accepted socket (connect, then call this). */
export function lastConnection(app: TestApp): Connection {
  const all = [...app.transport.registry.all()];
  if (all.length === 0) throw new Error('no server-side connection');
  return all[all.length - 1];
}

/** Resolves when the server-side connection closes (registry 'closed'). */
export function serverClosed(app: TestApp, conn: Connection): Promise<number> {
  if (conn.closed) return Promise.resolve(Date.now());
  return new Promise((resolve) => {
    const onClosed = (c: Connection) => {
      if (c !== conn) return;
      app.transport.registry.off('closed', onClosed);
      resolve(Date.now());
    };
    app.transport.registry.on('closed', onClosed);
  });
}

/** Resolves the first time the server pauses (or resumes) reading `conn` for backpressure. */
export function backpressure(app: TestApp, paused: boolean, conn?: Connection): Promise<Connection> {
  return new Promise((resolve) => {
    let done = false;
    const plugin: TransportPlugin = {
      name: `test-backpressure-${paused}`,
      order: PluginOrder.OBSERVE,
      onBackpressure: (c, p) => {
        if (done || p !== paused || (conn && c !== conn)) return;
        done = true;
        resolve(c);
      },
    };
    app.transport.use(plugin);
  });
}

/** A loopback port nothing listens on (bound, then released): a connection to it is refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The one way to create (and close) a Redis client. Below the transport: plain ioredis, no Nest,
 * no configuration namespace — callers pass the URL they were given — so the transport's event
 * bus, the auth login limiter, the presence store and the readiness check all get the same
 * defaults: a connection name telling `CLIENT LIST` who is who, bounded retries per command
 * (a request during an outage fails instead of hanging), and an 'error' listener (an unhandled
 * 'error' event would crash the process).
 */
import { Redis, RedisOptions } from 'ioredis';

export interface RedisClientOptions extends RedisOptions {
  /** Shown in CLIENT LIST (`sb-<name>`), e.g. "bus-pub", "login-limiter". */
  name: string;
  /** Connection errors (ioredis reconnects by itself); default: ignored. */
  onError?: (err: Error) => void;
}

export function createRedisClient(url: string, options: RedisClientOptions): Redis {
  const { name, onError, ...rest } = options;
  const client = new Redis(url, { maxRetriesPerRequest: 3, connectionName: `sb-${name}`, ...rest });
  client.on('error', onError ?? (() => undefined));
  return client;
}

/**
 * Closes an ioredis client without hanging shutdown: QUIT only on a live connection (queued
 * behind a reconnect to a Redis that is down it would wait forever and hold the process open),
 * otherwise drop the socket at once.
 */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') return client.disconnect();
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

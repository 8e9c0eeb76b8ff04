import type { Redis } from 'ioredis';

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

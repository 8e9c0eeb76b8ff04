/**
 * Recognises failures of a dependency (PostgreSQL, SQLite busy, Redis) from the error's shape, so
 * the transport can answer them with a retryable 503 UNAVAILABLE + retry_after_ms instead of a 500
 * INTERNAL_ERROR. Only connection-level failures count: a query that PostgreSQL refused for what
 * it says (a constraint, a syntax error) is still a bug and stays a 500.
 */

export type Dependency = 'database' | 'redis';

/** Socket-level errno codes seen when a server is down, unreachable or drops the connection. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);

/**
 * PostgreSQL SQLSTATEs meaning "the server cannot serve you right now": class 08 (connection
 * exception), 53 (insufficient resources: too many connections, disk full, out of memory), 57P01-03
 * (admin/crash shutdown, cannot connect now) and 40001/40P01 are NOT here (they are retried by
 * the write path itself).
 */
function isPgUnavailableCode(code: string): boolean {
  return code.startsWith('08') || code.startsWith('53') || code === '57P01' || code === '57P02' || code === '57P03';
}

/** Messages of the pg driver/pool and of ioredis when the server went away. */
const PG_MESSAGES = [/Connection terminated/i, /timeout exceeded when trying to connect/i, /Client has encountered a connection error/i, /Connection is not established/i, /the database system is (starting up|shutting down|in recovery mode)/i];
const REDIS_MESSAGES = [/Connection is closed/i, /Stream isn't writeable/i, /Reached the max retries per request limit/i, /enableOfflineQueue/i, /Redis (is )?unavailable/i];

/** Thrown by our own code for an unreachable dependency (e.g. the event-bus buffer is full). */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: Dependency,
    message: string,
  ) {
    super(message);
    this.name = 'DependencyUnavailableError';
  }
}

/** Which dependency failed, or undefined when `err` is not an outage. Looks through driverError/cause. */
export function dependencyOutage(err: unknown, depth = 0): Dependency | undefined {
  if (typeof err !== 'object' || err === null || depth > 4) return undefined;
  if (err instanceof DependencyUnavailableError) return err.dependency;
  const e = err as { name?: unknown; code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown; errors?: unknown };
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : '';
  const code = typeof e.code === 'string' ? e.code : '';
  if (name === 'MaxRetriesPerRequestError' || REDIS_MESSAGES.some((re) => re.test(message))) return 'redis';
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return 'database';
  if (/^[0-9A-Z]{5}$/.test(code) && isPgUnavailableCode(code)) return 'database';
  if (PG_MESSAGES.some((re) => re.test(message))) return 'database';
  const inner = dependencyOutage(e.driverError, depth + 1) ?? dependencyOutage(e.cause, depth + 1);
  if (inner) return inner;
  // AggregateError (node's happy-eyeballs connect) carries the per-address errors.
  if (Array.isArray(e.errors)) for (const sub of e.errors) if (dependencyOutage(sub, depth + 1)) return dependencyOutage(sub, depth + 1);
  if (NETWORK_CODES.has(code)) return /redis/i.test(`${name} ${message}`) ? 'redis' : 'database';
  return undefined;
}

/** Base wait suggested to clients; each answer adds up to the same again as jitter. */
export const OUTAGE_RETRY_AFTER_MS = 1000;

/** A jittered retry hint, so clients refused together do not come back together. */
export function jitteredRetryAfter(baseMs = OUTAGE_RETRY_AFTER_MS): number {
  return Math.round(baseMs + Math.random() * baseMs);
}

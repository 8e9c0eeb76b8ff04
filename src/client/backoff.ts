/**
 * Reconnect and retry delays: exponential backoff with "full jitter" on the upper half
 * (delay in [cap/2, cap]), so a node's clients never retry in lockstep yet never retry at once.
 * A server hint (`retry_after_ms` of SERVER_DRAINING, RATE_LIMITED, UNAVAILABLE) is a floor.
 */
export interface BackoffOptions {
  /** First delay (ms), default 250. */
  baseMs?: number;
  /** Largest delay (ms), default 30 000. */
  maxMs?: number;
  /** For tests: a random source in [0, 1). */
  random?: () => number;
}

export function backoffDelay(attempt: number, options: BackoffOptions = {}, retryAfterMs?: number): number {
  const base = options.baseMs ?? 250;
  const max = options.maxMs ?? 30_000;
  const random = options.random ?? Math.random;
  const cap = Math.min(max, base * 2 ** Math.max(0, Math.min(attempt, 30)));
  const jittered = cap / 2 + random() * (cap / 2);
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs) || retryAfterMs <= 0) return Math.round(jittered);
  // The hint is a floor; jitter on top spreads the clients the server told to come back together.
  return Math.round(retryAfterMs + random() * Math.min(retryAfterMs, base));
}

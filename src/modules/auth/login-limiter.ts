/**
 * Brute-force protection for auth/login. Failures are counted per (address, username) pair, per
 * username and per address, each with its own threshold:
 *
 * - the pair locks quickly (AUTH_LOGIN_MAX_FAILURES, default 5 per window): guessing one account
 *   from one place stops, while other users behind the same NAT address are not affected;
 * - the username locks at a higher threshold (default 20): guessing one account from many places;
 * - the address locks at a much higher threshold (default 100): one place trying many accounts.
 *
 * Each new lock of the same key lasts twice as long as the previous one (capped). Only failures
 * count; a successful login clears the pair's counter. Behind the LoginLimiter port so a shared
 * (Redis) implementation can replace the in-memory one for multi-node deployments.
 */
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { AuthConfig, authConfig } from './auth.config';

export interface LoginAttemptKey {
  /** Normalized (lower-case) username, whether or not it exists. */
  username: string;
  address: string;
}

/** The id of the (address, username) counter: the only one a successful login clears. */
export function pairCounterId(key: LoginAttemptKey): string {
  return `p:${key.address}|${key.username}`;
}

/**
 * The three counters every attempt feeds, with their thresholds: the (address, username) pair
 * locks first; the username and the address alone only at much higher counts, so an innocent
 * neighbour behind the same address still logs in.
 */
export function attemptCounters(key: LoginAttemptKey, login: AuthConfig['login']): { id: string; max: number }[] {
  return [
    { id: pairCounterId(key), max: login.maxFailures },
    { id: `u:${key.username}`, max: login.userMaxFailures },
    { id: `a:${key.address}`, max: login.addressMaxFailures },
  ];
}

export abstract class LoginLimiter {
  /** Milliseconds until a login for this key may be tried again, or 0 if allowed now. */
  abstract retryAfterMs(key: LoginAttemptKey): Promise<number>;
  abstract recordFailure(key: LoginAttemptKey): Promise<void>;
  abstract recordSuccess(key: LoginAttemptKey): Promise<void>;
}

interface Counter {
  /** Failure timestamps inside the current window (oldest first). */
  failures: number[];
  lockedUntil: number;
  /** Locks so far; the next lock lasts lockMs * 2^locks. Reset when the key stays quiet. */
  locks: number;
  lastSeen: number;
}

const MAX_TRACKED_KEYS = 200_000;

@Injectable()
export class InMemoryLoginLimiter extends LoginLimiter implements OnModuleDestroy {
  private readonly counters = new Map<string, Counter>();
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(@InjectConfig(authConfig) private readonly config: AuthConfig) {
    super();
    this.sweepTimer = setInterval(() => this.sweep(Date.now()), Math.max(1000, config.login.windowMs));
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }

  async retryAfterMs(key: LoginAttemptKey): Promise<number> {
    const now = Date.now();
    let wait = 0;
    for (const k of attemptCounters(key, this.config.login)) {
      const c = this.counters.get(k.id);
      if (c && c.lockedUntil > now) wait = Math.max(wait, c.lockedUntil - now);
    }
    return wait;
  }

  async recordFailure(key: LoginAttemptKey): Promise<void> {
    const now = Date.now();
    for (const k of attemptCounters(key, this.config.login)) {
      const c = this.counter(k.id, now);
      c.failures.push(now);
      this.trim(c, now);
      if (c.failures.length >= k.max && c.lockedUntil <= now) {
        const { lockMs, maxLockMs } = this.config.login;
        c.lockedUntil = now + Math.min(maxLockMs, lockMs * 2 ** c.locks);
        c.locks++;
        c.failures = [];
      }
    }
  }

  async recordSuccess(key: LoginAttemptKey): Promise<void> {
    // Only the pair is cleared: a success must not wash away failures others caused on the
    // same username or address.
    this.counters.delete(pairCounterId(key));
  }


  private counter(id: string, now: number): Counter {
    let c = this.counters.get(id);
    if (!c) {
      if (this.counters.size >= MAX_TRACKED_KEYS) this.sweep(now);
      c = { failures: [], lockedUntil: 0, locks: 0, lastSeen: now };
      this.counters.set(id, c);
    }
    c.lastSeen = now;
    return c;
  }

  private trim(c: Counter, now: number): void {
    const from = now - this.config.login.windowMs;
    while (c.failures.length > 0 && c.failures[0] <= from) c.failures.shift();
  }

  /** Forgets keys with no lock and no recent failure; lock escalation resets after a quiet period. */
  private sweep(now: number): void {
    const quiet = Math.max(this.config.login.maxLockMs, this.config.login.windowMs);
    for (const [id, c] of this.counters) {
      this.trim(c, now);
      if (c.lockedUntil <= now && c.failures.length === 0 && now - c.lastSeen > quiet) this.counters.delete(id);
    }
  }
}

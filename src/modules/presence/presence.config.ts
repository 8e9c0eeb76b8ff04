import { Type } from 'class-transformer';
import { IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';
import { ConfigError, defineConfig } from '../../config/config.util';

/** The draft's limit on the free-text status; PRESENCE_TEXT_MAX may only tighten it. */
export const PRESENCE_TEXT_HARD_MAX = 140;

class PresenceEnv {
  /**
   * How often clients should send presence/heartbeat, announced in the auth/login response as
   * `heartbeat_interval`. Seconds; fractions are allowed so tests can run with short timings.
   */
  @Type(() => Number)
  @IsNumber({}, { message: 'must be a number of seconds between 0.05 and 3600' })
  @Min(0.05, { message: 'must be a number of seconds between 0.05 and 3600' })
  @Max(3600, { message: 'must be a number of seconds between 0.05 and 3600' })
  HEARTBEAT_INTERVAL_S = 30;

  /** A connection with no valid frame for this long is closed (default: 3 intervals). */
  @IsOptional()
  @Type(() => Number)
  @IsNumber({}, { message: 'must be a number of seconds between 0.1 and 10800' })
  @Min(0.1, { message: 'must be a number of seconds between 0.1 and 10800' })
  @Max(10800, { message: 'must be a number of seconds between 0.1 and 10800' })
  HEARTBEAT_TIMEOUT_S?: number;

  /**
   * Presence changes of one user are coalesced over this window: a reconnect inside it sends
   * nothing, and only the final state is announced if it differs from the last announced one.
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of milliseconds between 0 and 600000' })
  @Min(0, { message: 'must be an integer number of milliseconds between 0 and 600000' })
  @Max(600_000, { message: 'must be an integer number of milliseconds between 0 and 600000' })
  PRESENCE_DEBOUNCE_MS = 2000;

  /** Groups with more members than this do not fan presence out to their members. */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 2 and 100000' })
  @Min(2, { message: 'must be an integer between 2 and 100000' })
  @Max(100_000, { message: 'must be an integer between 2 and 100000' })
  PRESENCE_GROUP_FANOUT_MAX = 200;

  /** Maximum length of the free-text status (`text`), at most the draft's 140. */
  @Type(() => Number)
  @IsInt({ message: `must be an integer between 0 and ${PRESENCE_TEXT_HARD_MAX}` })
  @Min(0, { message: `must be an integer between 0 and ${PRESENCE_TEXT_HARD_MAX}` })
  @Max(PRESENCE_TEXT_HARD_MAX, { message: `must be an integer between 0 and ${PRESENCE_TEXT_HARD_MAX}` })
  PRESENCE_TEXT_MAX = PRESENCE_TEXT_HARD_MAX;

  /**
   * Multi-node (REDIS_URL): each node keeps a liveness key with this TTL, refreshed every third
   * of it. When a node's key expires (it crashed or lost Redis), another node announces its users
   * offline: within about TTL + TTL/3 + PRESENCE_DEBOUNCE_MS (default 5 + 1.7 + 2 s, under 10 s).
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of milliseconds between 300 and 600000' })
  @Min(300, { message: 'must be an integer number of milliseconds between 300 and 600000' })
  @Max(600_000, { message: 'must be an integer number of milliseconds between 300 and 600000' })
  NODE_LIVENESS_TTL_MS = 5000;

  /**
   * presence/typing: a `start` not followed by a `stop` (or a new `start`) within this time ends
   * by itself — the server sends the `stop` (a client that vanished mid-sentence stops typing).
   * Clients resend `start` about every half of it while the user types.
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of milliseconds between 200 and 60000' })
  @Min(200, { message: 'must be an integer number of milliseconds between 200 and 60000' })
  @Max(60_000, { message: 'must be an integer number of milliseconds between 200 and 60000' })
  PRESENCE_TYPING_TTL_MS = 6000;

  /** presence/typing requests one connection may send per 10 seconds; more are refused with 429 RATE_LIMITED. */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 1 and 1000' })
  @Min(1, { message: 'must be an integer between 1 and 1000' })
  @Max(1000, { message: 'must be an integer between 1 and 1000' })
  PRESENCE_TYPING_RATE = 20;
}

export const presenceConfig = defineConfig('presence', PresenceEnv, (env) => {
  const intervalMs = Math.round(env.HEARTBEAT_INTERVAL_S * 1000);
  const timeoutMs = Math.round((env.HEARTBEAT_TIMEOUT_S ?? env.HEARTBEAT_INTERVAL_S * 3) * 1000);
  if (timeoutMs <= intervalMs) {
    // A timeout shorter than the interval would close every well-behaved client.
    throw new ConfigError(
      `Invalid configuration: HEARTBEAT_TIMEOUT_S=${timeoutMs / 1000}: must be greater than HEARTBEAT_INTERVAL_S (${intervalMs / 1000})`,
    );
  }
  return {
    heartbeatIntervalS: env.HEARTBEAT_INTERVAL_S,
    heartbeatIntervalMs: intervalMs,
    heartbeatTimeoutMs: timeoutMs,
    /**
     * The sweeper runs at least 3 times per timeout (and at least every 5 s: a pass only walks
     * the local connections), so a dead connection is noticed within timeout + min(timeout/3, 5 s).
     */
    sweepIntervalMs: Math.max(25, Math.min(5000, Math.floor(timeoutMs / 3))),
    debounceMs: env.PRESENCE_DEBOUNCE_MS,
    groupFanoutMax: env.PRESENCE_GROUP_FANOUT_MAX,
    textMax: env.PRESENCE_TEXT_MAX,
    nodeLivenessTtlMs: env.NODE_LIVENESS_TTL_MS,
    typingTtlMs: env.PRESENCE_TYPING_TTL_MS,
    typingRatePer10s: env.PRESENCE_TYPING_RATE,
  };
});
export type PresenceConfig = ReturnType<typeof presenceConfig.parse>;

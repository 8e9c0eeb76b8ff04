import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { defineConfig } from './config.util';

class LifecycleEnv {
  /**
   * On SIGTERM/SIGINT, how long in-flight requests get to finish before the process closes
   * anyway. Keep it below the orchestrator's kill grace period (Kubernetes: 30 s by default).
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of milliseconds between 0 and 600000' })
  @Min(0, { message: 'must be an integer number of milliseconds between 0 and 600000' })
  @Max(600_000, { message: 'must be an integer number of milliseconds between 0 and 600000' })
  SHUTDOWN_TIMEOUT_MS = 10_000;

  /** Reconnect hint sent to clients in the SERVER_DRAINING notice. */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of milliseconds between 0 and 600000' })
  @Min(0, { message: 'must be an integer number of milliseconds between 0 and 600000' })
  @Max(600_000, { message: 'must be an integer number of milliseconds between 0 and 600000' })
  DRAIN_RETRY_AFTER_MS = 1000;

  /**
   * Behind a load balancer: how long the drain reports not-ready (/health/ready 503) while still
   * serving everything, before it stops accepting and tells clients to reconnect, so the balancer
   * has taken the node out first. Set it above the balancer's check interval x fall count
   * (docker/haproxy.cfg: 1 s x 1). Counted within SHUTDOWN_TIMEOUT_MS.
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of milliseconds between 0 and 600000' })
  @Min(0, { message: 'must be an integer number of milliseconds between 0 and 600000' })
  @Max(600_000, { message: 'must be an integer number of milliseconds between 0 and 600000' })
  DRAIN_LB_DELAY_MS = 0;
}

export const lifecycleConfig = defineConfig('lifecycle', LifecycleEnv, (env) => ({
  shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  retryAfterMs: env.DRAIN_RETRY_AFTER_MS,
  lbDelayMs: env.DRAIN_LB_DELAY_MS,
}));
export type LifecycleConfig = ReturnType<typeof lifecycleConfig.parse>;

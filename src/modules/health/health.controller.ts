/**
 * Kubernetes-style probes on the HTTP ops port, with terminus's JSON bodies:
 *   GET /health/live  — the process is up and its event loop turns (restart me if not);
 *   GET /health/ready — the database answers and has every migration applied, Redis answers
 *                       when configured, the TCP listener accepts and is below
 *                       MAX_CONNECTIONS, the server is not draining, and every check a
 *                       feature module registered (ReadinessChecks) passes (send me traffic).
 * A failing check answers 503 with the failing indicator under `error`.
 */
import { Controller, Get } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { SwitchboardServer } from '../../transport/switchboard.server';
import { DrainService, ReadinessChecks } from '../lifecycle';
import { MigrationsHealthIndicator } from './migrations.health';
import { RedisHealthIndicator } from './redis.health';

const CHECK_TIMEOUT_MS = 1500;

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly migrations: MigrationsHealthIndicator,
    private readonly transport: SwitchboardServer,
    private readonly lifecycle: DrainService,
    private readonly contributed: ReadinessChecks,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([
      () =>
        this.indicators
          .check('process')
          .up({ pid: process.pid, uptime_s: Math.round(process.uptime()) }),
    ]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.lifecycleCheck(),
      () => this.listenerCheck(),
      () => this.db.pingCheck('database').withTimeout(CHECK_TIMEOUT_MS),
      () => this.migrations.check('migrations', CHECK_TIMEOUT_MS),
      ...(this.redis.configured ? [() => this.redis.pingCheck('redis', CHECK_TIMEOUT_MS)] : []),
      // Feature modules' own (e.g. file_storage), registered through the lifecycle module.
      ...this.contributed.list().map((c) => async () => {
        const report = await c.check();
        const check = this.indicators.check(c.name);
        return report.up ? check.up(report.details) : check.down(report.details);
      }),
    ]);
  }

  private lifecycleCheck() {
    const check = this.indicators.check('lifecycle');
    const state = this.lifecycle.state;
    return state === 'running' && !this.transport.isDraining
      ? check.up({ state })
      : check.down({ state: state === 'running' ? 'draining' : state });
  }

  private listenerCheck() {
    const check = this.indicators.check('tcp');
    const details = {
      port: this.transport.port,
      connections: this.transport.registry.size,
      in_flight: this.transport.inFlight,
    };
    if (!this.transport.isListening)
      return check.down({ ...details, message: 'TCP listener is not accepting connections' });
    // Full: every new connection would be refused, so a load balancer should route elsewhere.
    if (this.transport.isFull)
      return check.down({
        ...details,
        message: `at MAX_CONNECTIONS (${this.transport.maxConnections}); new connections are refused`,
      });
    return check.up(details);
  }
}

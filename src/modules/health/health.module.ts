import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthCheckLogger } from './health-check.logger';
import { HealthController } from './health.controller';
import { MigrationGatePlugin } from './migration-gate.plugin';
import { MigrationsHealthIndicator } from './migrations.health';
import { RedisHealthIndicator } from './redis.health';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: HealthCheckLogger })],
  controllers: [HealthController],
  providers: [RedisHealthIndicator, MigrationsHealthIndicator, MigrationGatePlugin],
})
export class HealthModule {}

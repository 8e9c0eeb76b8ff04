/**
 * Global so any feature module can inject MetricsService and count its own events.
 */
import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsPlugin } from './metrics.plugin';
import { MetricsService } from './metrics.service';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, MetricsPlugin],
  exports: [MetricsService],
})
export class MetricsModule {}

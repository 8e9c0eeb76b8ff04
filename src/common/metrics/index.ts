export { MetricsModule } from './metrics.module';
export { featureRegisters, MetricsService } from './metrics.service';

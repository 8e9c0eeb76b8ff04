import { defineFeature } from '../../common/feature/feature';
import { HealthModule } from './health.module';

export const healthFeature = defineFeature({ name: 'health', module: HealthModule });

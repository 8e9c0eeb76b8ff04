import { defineFeature } from '../../common/feature/feature';
import { LifecycleModule } from './lifecycle.module';

export const lifecycleFeature = defineFeature({ name: 'lifecycle', module: LifecycleModule });

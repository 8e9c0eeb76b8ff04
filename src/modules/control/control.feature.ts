import { defineFeature } from '../../common/feature/feature';
import { ControlModule } from './control.module';

export const controlFeature = defineFeature({ name: 'control', module: ControlModule });

import { defineFeature } from '../../common/feature/feature';
import { ControlCommands } from '../../shared/protocol/commands';
import { ControlModule } from './control.module';

export const controlFeature = defineFeature({ name: 'control', module: ControlModule, commands: ControlCommands });

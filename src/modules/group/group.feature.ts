import { defineFeature } from '../../common/feature/feature';
import { GroupCommands } from '../../shared/protocol/commands';
import { groupConfig } from './group.config';
import { GroupModule } from './group.module';

export const groupFeature = defineFeature({ name: 'group', module: GroupModule, config: [groupConfig], commands: GroupCommands });

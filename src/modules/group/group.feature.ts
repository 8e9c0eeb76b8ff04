import { defineFeature } from '../../common/feature/feature';
import { groupConfig } from './group.config';
import { GroupModule } from './group.module';

export const groupFeature = defineFeature({ name: 'group', module: GroupModule, config: [groupConfig] });

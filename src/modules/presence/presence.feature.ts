import { defineFeature } from '../../common/feature/feature';
import { presenceConfig } from './presence.config';
import { PresenceModule } from './presence.module';

export const presenceFeature = defineFeature({ name: 'presence', module: PresenceModule, config: [presenceConfig] });

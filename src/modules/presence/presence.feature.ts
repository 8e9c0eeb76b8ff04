import { defineFeature } from '../../common/feature/feature';
import { PresenceCommands } from '../../shared/protocol/commands';
import { presenceConfig } from './presence.config';
import { PresenceModule } from './presence.module';

export const presenceFeature = defineFeature({ name: 'presence', module: PresenceModule, config: [presenceConfig], commands: PresenceCommands });

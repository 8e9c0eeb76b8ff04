import { defineFeature } from '../../common/feature/feature';
import { AuthCommands } from '../../shared/protocol/commands';
import { authConfig } from './auth.config';
import { AUTH_ENTITIES, AuthModule } from './auth.module';
import { AuthSchema1764151000000 } from './migrations/1764151000000-auth-schema';
import { UserStatusText1764190002000 } from './migrations/1764190002000-user-status-text';

export const authFeature = defineFeature({
  name: 'auth',
  module: AuthModule,
  entities: AUTH_ENTITIES,
  migrations: [AuthSchema1764151000000, UserStatusText1764190002000],
  config: [authConfig],
  commands: AuthCommands,
});

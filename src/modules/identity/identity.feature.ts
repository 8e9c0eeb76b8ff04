import { defineFeature } from '../../common/feature/feature';
import { IdentityCommands } from './identity.commands';
import { identityConfig } from './identity.config';
import { IDENTITY_ENTITIES, IdentityModule } from './identity.module';
import { IdentitySchema1765250000000 } from './migrations/1765250000000-identity-schema';

/** Company sign-in: LDAP and OpenID Connect providers, provisioning, leaving. */
export const identityFeature = defineFeature({
  name: 'identity',
  module: IdentityModule,
  entities: IDENTITY_ENTITIES,
  migrations: [IdentitySchema1765250000000],
  config: [identityConfig],
  commands: IdentityCommands,
});

/** The identity module's commands (see src/shared/protocol/command-declaration.ts). */
import { declareCommand } from '../../shared/protocol/command-declaration';
import { ProvidersResponse } from './identity.dto';

export const IdentityCommands = {
  PROVIDERS: declareCommand({
    name: 'auth/providers',
    direction: 'c2s',
    kind: 'request',
    auth: 'public',
    description: 'List the enabled sign-in methods: password login policy and company sign-in providers (LDAP, OpenID Connect).',
    response: ProvidersResponse,
  }),
} as const;

/** The identity module's commands (see src/shared/protocol/command-declaration.ts). */
import { declareCommand } from '../../shared/protocol/command-declaration';
import { OidcPollRequest, OidcPollResponse, OidcStartRequest, OidcStartResponse, ProvidersResponse } from './identity.dto';

export const IdentityCommands = {
  PROVIDERS: declareCommand({
    name: 'auth/providers',
    direction: 'c2s',
    kind: 'request',
    auth: 'public',
    description: 'List the enabled sign-in methods: password login policy and company sign-in providers (LDAP, OpenID Connect).',
    response: ProvidersResponse,
  }),
  OIDC_START: declareCommand({
    name: 'auth/oidc-start',
    direction: 'c2s',
    kind: 'request',
    auth: 'public',
    description: 'Start a device sign-in with an OpenID Connect provider (RFC 8628): answers the URL and code the user enters in a browser.',
    request: OidcStartRequest,
    response: OidcStartResponse,
  }),
  OIDC_POLL: declareCommand({
    name: 'auth/oidc-poll',
    direction: 'c2s',
    kind: 'request',
    auth: 'public',
    description: 'Ask whether the device sign-in was approved; when it was, log in and bind this connection (tokens as auth/login).',
    request: OidcPollRequest,
    response: OidcPollResponse,
    causes: ['message/offline'],
  }),
} as const;

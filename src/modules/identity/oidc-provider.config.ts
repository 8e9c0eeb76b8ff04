import { ConfigError } from '../../config/config.util';

/** One OpenID Connect provider of IDENTITY_OIDC_PROVIDERS (every field in docs/identity.md). */
export interface OidcProviderSettings {
  /** What clients send as `provider` (auth/login, auth/oidc-start). */
  name: string;
  displayName: string;
  /** Exactly the `iss` of its tokens; discovery is `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  /** For the device flow's token requests (confidential client); never logged. */
  clientSecret?: string;
  scopes: string;
  usernameClaim: string;
  displayNameClaim: string;
  emailClaim: string;
  groupsClaim: string;
  adminGroup?: string;
  deviceFlow: boolean;
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const KEYS = new Set([
  'name', 'display_name', 'issuer', 'client_id', 'client_secret', 'scopes', 'username_claim', 'display_name_claim', 'email_claim', 'groups_claim',
  'admin_group', 'device_flow', 'allow_http',
]);

function bad(problem: string): never {
  throw new ConfigError(`Invalid configuration: IDENTITY_OIDC_PROVIDERS=(client secrets hidden): ${problem}`);
}

/** Parses and checks IDENTITY_OIDC_PROVIDERS (the JSON array); never echoes a client secret. */
export function parseOidcProviders(json: string | undefined): OidcProviderSettings[] {
  if (json === undefined || json.trim() === '') return [];
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    bad('must be a JSON array of providers, e.g. [{"name":"corp","issuer":"https://sso.example/realms/corp","client_id":"switchboard"}]');
  }
  if (!Array.isArray(raw)) bad('must be a JSON array of providers');
  const seen = new Set<string>();
  return raw.map((entry: unknown, i: number) => {
    if (typeof entry !== 'object' || entry === null) bad(`entry ${i} must be an object`);
    const e = entry as Record<string, unknown>;
    const unknown = Object.keys(e).filter((k) => !KEYS.has(k));
    if (unknown.length > 0) bad(`entry ${i}: unknown field(s) ${unknown.join(', ')}`);
    const str = (key: string, fallback?: string): string => {
      const v = e[key] ?? fallback;
      if (typeof v !== 'string' || v === '') bad(`entry ${i}: ${key} must be a non-empty string`);
      return v;
    };
    const name = str('name');
    if (!NAME.test(name)) bad(`entry ${i}: name "${name}" must be 1-32 lower-case letters, digits, "_" or "-"`);
    if (seen.has(name)) bad(`provider "${name}" is listed twice`);
    seen.add(name);
    const issuer = str('issuer');
    let url: URL;
    try {
      url = new URL(issuer);
    } catch {
      bad(`${name}: issuer must be a URL`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && e.allow_http === true)) {
      bad(`${name}: issuer must be https:// (set "allow_http": true only for a provider on a trusted network)`);
    }
    if (e.client_secret !== undefined && typeof e.client_secret !== 'string') bad(`${name}: client_secret must be a string`);
    if (e.admin_group !== undefined && typeof e.admin_group !== 'string') bad(`${name}: admin_group must be a string`);
    if (e.device_flow !== undefined && typeof e.device_flow !== 'boolean') bad(`${name}: device_flow must be true or false`);
    return {
      name,
      displayName: str('display_name', name),
      issuer,
      clientId: str('client_id'),
      clientSecret: e.client_secret as string | undefined,
      scopes: str('scopes', 'openid profile email'),
      usernameClaim: str('username_claim', 'preferred_username'),
      displayNameClaim: str('display_name_claim', 'name'),
      emailClaim: str('email_claim', 'email'),
      groupsClaim: str('groups_claim', 'groups'),
      adminGroup: e.admin_group as string | undefined,
      deviceFlow: e.device_flow !== false,
    };
  });
}

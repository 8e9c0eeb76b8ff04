import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { FilterParser } from 'ldapts';
import { ConfigError, ConfigOf, defineConfig } from '../../config/config.util';
import { parseOidcProviders } from './oidc-provider.config';

const ms = (max: number) => ({ message: `must be an integer number of milliseconds between 1 and ${max}` });

/** Company sign-in (docs/identity.md explains every setting with Keycloak and Active Directory examples). */
class IdentityEnv {
  /**
   * LDAP server for `auth/login {provider: "ldap"}`: `ldap://host:389` (with IDENTITY_LDAP_STARTTLS)
   * or `ldaps://host:636`. Unset: LDAP sign-in is off.
   */
  @IsOptional()
  @IsString()
  IDENTITY_LDAP_URL?: string;

  /** The provider name clients send in auth/login and see in auth/providers. */
  @IsString()
  IDENTITY_LDAP_NAME = 'ldap';

  /** Shown on the sign-in button (auth/providers). */
  @IsString()
  IDENTITY_LDAP_DISPLAY_NAME = 'Company directory';

  /** Upgrade ldap:// with StartTLS before any bind (certificates verified; see IDENTITY_LDAP_CA_FILE). */
  @IsIn(['true', 'false'], { message: 'must be true or false' })
  IDENTITY_LDAP_STARTTLS: 'true' | 'false' = 'false';

  /** PEM file of the CA that signed the directory's certificate (ldaps:// and StartTLS); default: the system's. */
  @IsOptional()
  @IsString()
  IDENTITY_LDAP_CA_FILE?: string;

  /** Service account that searches for users (search-then-bind): its DN... */
  @IsOptional()
  @IsString()
  IDENTITY_LDAP_BIND_DN?: string;

  /** ...and its password (never logged). */
  @IsOptional()
  @IsString()
  IDENTITY_LDAP_BIND_PASSWORD?: string;

  /** Where users are searched (subtree), e.g. `ou=people,dc=example,dc=org`. */
  @IsOptional()
  @IsString()
  IDENTITY_LDAP_BASE_DN?: string;

  /**
   * Filter finding one user by the name typed at login; `{username}` is replaced by the name,
   * escaped per RFC 4515. AD: `(&(objectClass=user)(sAMAccountName={username}))`.
   */
  @IsString()
  IDENTITY_LDAP_USER_FILTER = '(&(objectClass=inetOrgPerson)(uid={username}))';

  /**
   * An entry that does not match this filter is disabled: refused at login and at the next
   * refresh. AD: `(!(userAccountControl:1.2.840.113556.1.4.803:=2))`. Unset: every entry found is active.
   */
  @IsOptional()
  @IsString()
  IDENTITY_LDAP_ACTIVE_FILTER?: string;

  /** The stable subject the account is linked to: `entryUUID` (OpenLDAP), `objectGUID` (AD). */
  @IsString()
  IDENTITY_LDAP_SUBJECT_ATTRIBUTE = 'entryUUID';

  /** Attribute suggesting the Switchboard username at first login (`sAMAccountName` for AD). */
  @IsString()
  IDENTITY_LDAP_USERNAME_ATTRIBUTE = 'uid';

  /** Attribute copied to the display name at each login. */
  @IsString()
  IDENTITY_LDAP_DISPLAY_NAME_ATTRIBUTE = 'cn';

  /** Attribute copied to the e-mail at each login. */
  @IsString()
  IDENTITY_LDAP_EMAIL_ATTRIBUTE = 'mail';

  /** Multi-valued attribute listing the user's groups (`memberOf` on AD and OpenLDAP's memberof overlay). */
  @IsString()
  IDENTITY_LDAP_GROUPS_ATTRIBUTE = 'memberOf';

  /** A value of the groups attribute (compared case-insensitively) that makes the user an admin at each login. Unset: roles are not managed by the directory. */
  @IsOptional()
  @IsString()
  IDENTITY_LDAP_ADMIN_GROUP?: string;

  /** Bound on connecting and on each LDAP operation (bind, search): a hung directory answers 503, not a hung login. */
  @Type(() => Number)
  @IsInt(ms(60_000))
  @Min(1, ms(60_000))
  @Max(60_000, ms(60_000))
  IDENTITY_LDAP_TIMEOUT_MS = 5000;

  /** Base of the retry_after_ms hint (1-2x, jittered) when the directory cannot be reached. */
  @Type(() => Number)
  @IsInt(ms(600_000))
  @Min(1, ms(600_000))
  @Max(600_000, ms(600_000))
  IDENTITY_LDAP_RETRY_AFTER_MS = 5000;

  /**
   * OpenID Connect providers, a JSON array: `[{"name":"corp","issuer":"https://sso.example/realms/corp",
   * "client_id":"switchboard","client_secret":"...","scopes":"openid profile email","admin_group":"chat-admins"}]`
   * (every field in docs/identity.md). Unset: OIDC sign-in is off.
   */
  @IsOptional()
  @IsString()
  IDENTITY_OIDC_PROVIDERS?: string;

  /**
   * Directory / provider groups that are chat groups, a JSON object: `{"cn=eng,ou=groups,dc=corp":
   * "<chat group id>", "sales": "<chat group id>"}` (keys compared case-insensitively with the
   * LDAP groups attribute's values or the OIDC groups claim's). At each login a member of the
   * directory group is added to the chat group (by its owner, as group/add would) and a user no
   * longer in it is removed. Unset: chat groups are managed in the chat only.
   */
  @IsOptional()
  @IsString()
  IDENTITY_GROUP_MAP?: string;

  /** Longest an OIDC user's session may be refreshed after its login (seconds); 0: no bound beyond AUTH_REFRESH_TTL. */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of seconds >= 0' })
  @Min(0, { message: 'must be an integer number of seconds >= 0' })
  IDENTITY_OIDC_MAX_SESSION_AGE_S = 0;

  /** Bound on each request to an OpenID provider (discovery, JWKS, device and token endpoints). */
  @Type(() => Number)
  @IsInt(ms(60_000))
  @Min(1, ms(60_000))
  @Max(60_000, ms(60_000))
  IDENTITY_OIDC_HTTP_TIMEOUT_MS = 5000;

  /** How long a provider's discovery document is cached (seconds). */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of seconds >= 1' })
  @Min(1, { message: 'must be an integer number of seconds >= 1' })
  IDENTITY_OIDC_DISCOVERY_TTL_S = 3600;

  /**
   * After fetching a provider's keys, wait at least this long (ms) before fetching them again for
   * a token naming an unknown `kid` (key rotation is picked up at the first such token after it).
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer number of milliseconds >= 0' })
  @Min(0, { message: 'must be an integer number of milliseconds >= 0' })
  IDENTITY_OIDC_JWKS_COOLDOWN_MS = 30_000;

  /** Base of the retry_after_ms hint (1-2x, jittered) when a provider cannot be reached. */
  @Type(() => Number)
  @IsInt(ms(600_000))
  @Min(1, ms(600_000))
  @Max(600_000, ms(600_000))
  IDENTITY_OIDC_RETRY_AFTER_MS = 5000;

  /** Device sign-ins (auth/oidc-start) pending at once on one node; more are refused with 429. */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer >= 1' })
  @Min(1, { message: 'must be an integer >= 1' })
  IDENTITY_OIDC_DEVICE_MAX_PENDING = 1000;
}

export const identityConfig = defineConfig('identity', IdentityEnv, (env) => {
  const ldap = env.IDENTITY_LDAP_URL ? ldapSettings(env, env.IDENTITY_LDAP_URL) : undefined;
  const oidc = parseOidcProviders(env.IDENTITY_OIDC_PROVIDERS);
  const clash = ldap && oidc.find((p) => p.name === ldap.name);
  if (clash) throw new ConfigError(`Invalid configuration: IDENTITY_OIDC_PROVIDERS=(client secrets hidden): provider name "${clash.name}" is the LDAP provider's (IDENTITY_LDAP_NAME)`);
  return {
    ldap,
    oidc,
    oidcMaxSessionAgeMs: env.IDENTITY_OIDC_MAX_SESSION_AGE_S * 1000,
    oidcTimings: {
      httpTimeoutMs: env.IDENTITY_OIDC_HTTP_TIMEOUT_MS,
      jwksCooldownMs: env.IDENTITY_OIDC_JWKS_COOLDOWN_MS,
      discoveryTtlMs: env.IDENTITY_OIDC_DISCOVERY_TTL_S * 1000,
      retryAfterMs: env.IDENTITY_OIDC_RETRY_AFTER_MS,
    },
    oidcDeviceMaxPending: env.IDENTITY_OIDC_DEVICE_MAX_PENDING,
    groupMap: parseGroupMap(env.IDENTITY_GROUP_MAP),
  };
});

/** IDENTITY_GROUP_MAP: lower-cased directory group → chat group id. */
function parseGroupMap(raw: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  if (raw === undefined) return map;
  const bad = (problem: string): never => {
    throw new ConfigError(`Invalid configuration: IDENTITY_GROUP_MAP=${JSON.stringify(raw)}: ${problem}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    bad('must be a JSON object of directory group → chat group id, e.g. {"cn=eng,ou=groups,dc=corp":"g-3f9c…"}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) bad('must be a JSON object of directory group → chat group id');
  for (const [group, chat] of Object.entries(parsed as Record<string, unknown>)) {
    if (group.trim() === '' || typeof chat !== 'string' || chat.length < 1 || chat.length > 64) bad(`"${group}" must map to a chat group id (a string of 1 to 64 characters)`);
    map.set(group.toLowerCase(), chat as string);
  }
  return map;
}
export type IdentityConfig = ConfigOf<typeof identityConfig>;
export type LdapSettings = NonNullable<IdentityConfig['ldap']>;

function ldapSettings(env: IdentityEnv, url: string) {
  if (!/^ldaps?:\/\//i.test(url)) throw new ConfigError(`Invalid configuration: IDENTITY_LDAP_URL=${JSON.stringify(url)}: must start with ldap:// or ldaps://`);
  for (const name of ['IDENTITY_LDAP_BIND_DN', 'IDENTITY_LDAP_BIND_PASSWORD', 'IDENTITY_LDAP_BASE_DN'] as const) {
    if (!env[name]) throw new ConfigError(`Invalid configuration: ${name}=(unset): required when IDENTITY_LDAP_URL is set (search-then-bind)`);
  }
  if (!env.IDENTITY_LDAP_USER_FILTER.includes('{username}')) {
    throw new ConfigError(`Invalid configuration: IDENTITY_LDAP_USER_FILTER=${JSON.stringify(env.IDENTITY_LDAP_USER_FILTER)}: must contain {username}`);
  }
  checkFilter('IDENTITY_LDAP_USER_FILTER', env.IDENTITY_LDAP_USER_FILTER.replaceAll('{username}', 'x'));
  if (env.IDENTITY_LDAP_ACTIVE_FILTER) checkFilter('IDENTITY_LDAP_ACTIVE_FILTER', env.IDENTITY_LDAP_ACTIVE_FILTER);
  if (!/^[a-z][a-z0-9-]*$/i.test(env.IDENTITY_LDAP_NAME)) throw new ConfigError(`Invalid configuration: IDENTITY_LDAP_NAME=${JSON.stringify(env.IDENTITY_LDAP_NAME)}: letters, digits and "-" only`);
  const subjectAttribute = env.IDENTITY_LDAP_SUBJECT_ATTRIBUTE;
  return {
    name: env.IDENTITY_LDAP_NAME.toLowerCase(),
    displayName: env.IDENTITY_LDAP_DISPLAY_NAME,
    url,
    startTls: env.IDENTITY_LDAP_STARTTLS === 'true',
    caFile: env.IDENTITY_LDAP_CA_FILE,
    bindDn: env.IDENTITY_LDAP_BIND_DN as string,
    bindPassword: env.IDENTITY_LDAP_BIND_PASSWORD as string,
    baseDn: env.IDENTITY_LDAP_BASE_DN as string,
    userFilter: env.IDENTITY_LDAP_USER_FILTER,
    activeFilter: env.IDENTITY_LDAP_ACTIVE_FILTER,
    subjectAttribute,
    // AD's objectGUID/objectSid are binary: kept as hex, searched byte by byte.
    subjectBinary: /^object(guid|sid)$/i.test(subjectAttribute),
    usernameAttribute: env.IDENTITY_LDAP_USERNAME_ATTRIBUTE,
    displayNameAttribute: env.IDENTITY_LDAP_DISPLAY_NAME_ATTRIBUTE,
    emailAttribute: env.IDENTITY_LDAP_EMAIL_ATTRIBUTE,
    groupsAttribute: env.IDENTITY_LDAP_GROUPS_ATTRIBUTE,
    adminGroup: env.IDENTITY_LDAP_ADMIN_GROUP,
    timeoutMs: env.IDENTITY_LDAP_TIMEOUT_MS,
    retryAfterMs: env.IDENTITY_LDAP_RETRY_AFTER_MS,
  };
}

function checkFilter(name: string, filter: string): void {
  try {
    FilterParser.parseString(filter);
  } catch (err) {
    throw new ConfigError(`Invalid configuration: ${name}=${JSON.stringify(filter)}: not an LDAP filter (${(err as Error).message})`);
  }
}

/**
 * What never reaches a log line. Applied to every line the root logger writes (pino's
 * `formatters.log` for the fields, `hooks.logMethod` for message strings), at any depth:
 * - members whose NAME looks like a credential, case-insensitively (`password`, `Passwd`,
 *   `AUTHORIZATION`, `refresh_token`, `x-api-key`, `signature`, `Secret`, `key`, ...): value → "[REDACTED]";
 * - inside strings: `Bearer <token>` and the password of `scheme://user:password@host` URLs.
 * Hostile frames are logged at debug/trace: nesting beyond MAX_DEPTH is cut, not walked.
 */
export const REDACTED = '[REDACTED]';

/** Credential-like member names, matched case-insensitively anywhere in the name. */
export const SECRET_KEY_PATTERN =
  /pass(word|wd|phrase)?$|^pwd$|secret|token|authori[sz]ation|^auth$|api[-_]?key|private[-_]?key|signing[-_]?key|session[-_]?key|encryption[-_]?key|payload[-_]?keys?|^keys?$|signature|credential|cookie|jwt/i;

/** Kept for callers that list the names; the pattern above is what is applied. */
export const SECRET_KEYS = [
  'password', 'old_password', 'new_password', 'passwd', 'token', 'access_token', 'refresh_token', 'id_token',
  'authorization', 'secret', 'client_secret', 'key', 'private_key', 'api_key', 'session_key', 'encryption_key', 'signature',
] as const;

const MAX_DEPTH = 10;
const MAX_ARRAY = 1000;
const BEARER = /\b(Bearer|Basic)\s+[^\s"',;]+/gi;
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+@/gi;

/** Verdicts per member name: log lines repeat the same few names (bounded: hostile names are not cached past it). */
const verdicts = new Map<string, boolean>();
const MAX_CACHED_NAMES = 10_000;

export function isSecretKey(name: string): boolean {
  let secret = verdicts.get(name);
  if (secret === undefined) {
    secret = SECRET_KEY_PATTERN.test(name);
    if (verdicts.size < MAX_CACHED_NAMES) verdicts.set(name, secret);
  }
  return secret;
}

export function scrubString(text: string): string {
  if (text.length < 8) return text;
  return text.replace(BEARER, `$1 ${REDACTED}`).replace(URL_PASSWORD, `$1${REDACTED}@`);
}

/** A redacted copy of `value` (the original is never modified: it may be a live frame). */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (Array.isArray(value)) {
    const out = value.slice(0, MAX_ARRAY).map((v) => redactSecrets(v, depth + 1));
    if (value.length > MAX_ARRAY) out.push(`[${value.length - MAX_ARRAY} more]`);
    return out;
  }
  if (Buffer.isBuffer(value)) return `[Buffer ${value.length} bytes]`;
  let out: Record<string, unknown> = {};
  if (value instanceof Error) {
    // Still an Error (pino's err serializer then writes type, message, stack), scrubbed.
    const copy = new Error(scrubString(value.message));
    copy.name = value.name;
    copy.stack = value.stack === undefined ? undefined : scrubString(value.stack);
    out = copy as unknown as Record<string, unknown>;
  }
  for (const key of Object.keys(value)) {
    out[key] = isSecretKey(key) ? REDACTED : redactSecrets((value as Record<string, unknown>)[key], depth + 1);
  }
  return out;
}

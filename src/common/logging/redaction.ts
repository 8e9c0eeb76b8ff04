/**
 * Field names that never reach a log line. Matched at any of the first four nesting levels (a
 * frame logged as `{frame: {payload: {credentials: {password}}}}` is four levels deep), which
 * covers envelopes, payloads and Nest/TypeORM error objects without a costly deep walk.
 */
export const SECRET_KEYS = [
  'password',
  'old_password',
  'new_password',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'Authorization',
  'authorization',
  'secret',
  'client_secret',
  'key',
  'private_key',
  'secret_key',
  'api_key',
  'session_key',
  'encryption_key',
  'signature',
] as const;

export const REDACTED = '[REDACTED]';

const MAX_DEPTH = 4;

export function redactPaths(keys: readonly string[] = SECRET_KEYS): string[] {
  const paths: string[] = [];
  for (const key of keys) {
    let prefix = '';
    for (let depth = 0; depth <= MAX_DEPTH; depth++) {
      paths.push(`${prefix}${key}`);
      prefix += '*.';
    }
  }
  return paths;
}

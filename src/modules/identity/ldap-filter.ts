/**
 * RFC 4515 escaping of a value put into an LDAP search filter: `*`, `(`, `)`, `\` and NUL become
 * `\2a`, `\28`, `\29`, `\5c`, `\00`, so a username like `*)(uid=*` is matched literally (it
 * matches no one) instead of widening the filter.
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A binary value (AD objectGUID, stored as hex) as a filter value: every byte escaped. */
export function escapeBinaryHex(hex: string): string {
  return hex.replace(/(..)/g, '\\$1');
}

/** `template` with `{username}` replaced by the escaped username. */
export function userFilter(template: string, username: string): string {
  return template.replaceAll('{username}', escapeFilterValue(username));
}

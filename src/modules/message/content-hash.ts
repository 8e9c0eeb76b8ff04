/**
 * Fingerprint of what a send asks for, to tell a true retry (same request id, same request) from
 * a conflicting reuse of the id (409 IDEMPOTENCY_CONFLICT). Keys are sorted so the hash does not
 * depend on the client's JSON key order.
 */
import { createHash } from 'node:crypto';

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as Record<string, unknown>)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * `conversation_id` is left out on purpose: the target alone decides the conversation (a
 * mismatching conversation_id is rejected anyway), so a retry that adds or drops it is still the
 * same message.
 */
export function contentHash(parts: {
  target: { type: string; id?: string };
  content: unknown;
  attachments: unknown;
  meta: unknown;
}): string {
  return createHash('sha256').update(canonical(parts)).digest('hex');
}

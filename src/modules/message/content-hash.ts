/**
 * Fingerprint of what a send asks for, to tell a true retry (same request id, same request) from
 * a conflicting reuse of the id (409 IDEMPOTENCY_CONFLICT). Keys are sorted so the hash does not
 * depend on the client's JSON key order.
 */
import { createHash, hash } from 'node:crypto';

/**
 * Sorted-key JSON. Written as loops with string concatenation (the first version's
 * filter/sort/map/join allocated several arrays per object: ≈ 3 % of a send's server CPU); the
 * output is the same string, byte for byte (stored hashes of earlier messages stay comparable;
 * test/unit/message/message-id.spec.ts checks it against that version).
 */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + canonical(value[i]);
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (!isSorted(keys)) keys.sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const child = record[key];
    if (child === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + canonical(child);
    first = false;
  }
  return out + '}';
}

function isSorted(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return false;
  return true;
}

/** One-shot sha256 where the runtime has it (Node >= 20.12): no Hash object per message. */
const sha256Hex: (text: string) => string =
  typeof hash === 'function' ? (text) => hash('sha256', text, 'hex') : (text) => createHash('sha256').update(text).digest('hex');

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
  return sha256Hex(canonical(parts));
}

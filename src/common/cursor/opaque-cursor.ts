/**
 * Opaque pagination cursors shared by every list command (message/history, group/list,
 * presence/list): base64url of a small versioned JSON document. Clients must pass them back
 * unchanged; anything else — bad characters, bad JSON, wrong version — is 400 INVALID_CURSOR
 * with a message saying where a valid cursor comes from, never a wrong page or a 500.
 * Each caller then checks its own fields (kind, ids, ranges).
 */
import { ProtocolError } from '../../shared/protocol';

const CURSOR_VERSION = 1;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function encodeOpaqueCursor(fields: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, ...fields }), 'utf8').toString('base64url');
}

export function invalidCursor(message: string): ProtocolError {
  return new ProtocolError('INVALID_CURSOR', message, 400);
}

/** Decodes a cursor to its JSON object, or throws `invalidCursor(message)`. */
export function decodeOpaqueCursor(cursor: unknown, message: string): Record<string, unknown> {
  if (typeof cursor !== 'string' || !BASE64URL.test(cursor)) throw invalidCursor(message);
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor(message);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || (doc as { v?: unknown }).v !== CURSOR_VERSION) {
    throw invalidCursor(message);
  }
  return doc as Record<string, unknown>;
}

/** A cursor field holding an id: a short string with no NUL (PostgreSQL cannot store U+0000). */
export function isCursorId(value: unknown, maxLength = 64): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength && !value.includes('\u0000');
}

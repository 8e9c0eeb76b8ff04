/**
 * group/list cursors: opaque to clients (base64url JSON of the last row's sort key), strictly
 * checked so a forged or foreign cursor is a clear 400 INVALID_CURSOR rather than a wrong page.
 */
import { ProtocolError } from '../../shared/protocol';
import type { ListPosition } from './group.repository';

const KIND = 'gl';

export function encodeListCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify({ v: 1, k: KIND, a: position.activity, i: position.id }), 'utf8').toString('base64url');
}

export function decodeListCursor(cursor: string): ListPosition {
  const invalid = () =>
    new ProtocolError('INVALID_CURSOR', 'cursor is not a valid group/list cursor; pass the next_cursor of a previous group/list response unchanged');
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof doc !== 'object' || doc === null) throw invalid();
  const { v, k, a, i } = doc as Record<string, unknown>;
  // No NUL in the id: it goes into SQL, and PostgreSQL cannot take U+0000 in text (was a 500).
  if (v !== 1 || k !== KIND || !Number.isSafeInteger(a) || (a as number) < 0 || typeof i !== 'string' || i.length === 0 || i.length > 64 || i.includes('\u0000')) {
    throw invalid();
  }
  return { activity: a as number, id: i };
}

/**
 * group/list cursors: opaque to clients (base64url JSON of the last row's sort key), strictly
 * checked so a forged or foreign cursor is a clear 400 INVALID_CURSOR rather than a wrong page.
 */
import { decodeOpaqueCursor, encodeOpaqueCursor, invalidCursor, isCursorId } from '../../common/cursor/opaque-cursor';

/** Keyset position in the list ordered by (activity DESC, id DESC). */
export interface ListPosition {
  activity: number;
  id: string;
}

const KIND = 'gl';

export function encodeListCursor(position: ListPosition): string {
  return encodeOpaqueCursor({ k: KIND, a: position.activity, i: position.id });
}

export function decodeListCursor(cursor: string): ListPosition {
  const message = 'cursor is not a valid group/list cursor; pass the next_cursor of a previous group/list response unchanged';
  const { k, a, i } = decodeOpaqueCursor(cursor, message);
  if (k !== KIND || !Number.isSafeInteger(a) || (a as number) < 0 || !isCursorId(i)) throw invalidCursor(message);
  return { activity: a as number, id: i };
}

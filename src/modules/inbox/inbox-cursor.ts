/**
 * conversation/list cursors: opaque to clients (base64url JSON of the last row's sort key),
 * strictly checked so a forged or foreign cursor is a clear 400 INVALID_CURSOR, not a wrong page.
 */
import { decodeOpaqueCursor, encodeOpaqueCursor, invalidCursor, isCursorId } from '../../common/cursor/opaque-cursor';
import type { InboxCursor } from '../conversation';

const KIND = 'cl';

export function encodeInboxCursor(position: InboxCursor): string {
  return encodeOpaqueCursor({ k: KIND, a: position.activityAt, i: position.conversationId });
}

export function decodeInboxCursor(cursor: string): InboxCursor {
  const message = 'cursor is not a valid conversation/list cursor; pass the next_cursor of a previous conversation/list response unchanged';
  const { k, a, i } = decodeOpaqueCursor(cursor, message);
  if (k !== KIND || !Number.isSafeInteger(a) || (a as number) < 0 || !isCursorId(i)) throw invalidCursor(message);
  return { activityAt: a as number, conversationId: i };
}

/**
 * History cursors: opaque to clients (base64url of a small JSON document), strictly checked here
 * so a forged or foreign cursor is a clear 400 INVALID_CURSOR, never a wrong page.
 *
 * - Conversation cursor `{v:1, k:"c", c, d, s}`: a position `s` in conversation `c`, reading
 *   backwards (`d:"b"`, the next page holds seqs < s) or forwards (`d:"a"`, seqs > s).
 * - Sync cursor `{v:1, k:"s", p:{<conversation id>: <last seq seen>}}`: per-conversation
 *   positions. Sequences are per conversation, and a global order built from commit times would
 *   skip messages whose transactions commit out of order, so the cursor carries one position per
 *   conversation the user has read; conversations missing from it are read from the start of
 *   what the user may see.
 */
import { decodeOpaqueCursor, encodeOpaqueCursor } from '../../common/cursor/opaque-cursor';
import { ProtocolError } from '../../shared/protocol';

export type Direction = 'before' | 'since';

export interface ConversationCursor {
  conversationId: string;
  direction: Direction;
  seq: number;
}

export type SyncPositions = Record<string, number>;

const MAX_SYNC_ENTRIES = 10_000;

function decode(cursor: string, field: string): Record<string, unknown> {
  return decodeOpaqueCursor(cursor, `${field} is not a valid cursor; pass the next_cursor string of a previous message/history response unchanged`);
}

/** The `seq` columns are 32-bit integers: a larger position would fail inside PostgreSQL (500). */
export const MAX_CURSOR_SEQ = 2 ** 31 - 1;

function isSeq(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_CURSOR_SEQ;
}

export function encodeConversationCursor(cursor: ConversationCursor): string {
  return encodeOpaqueCursor({ k: 'c', c: cursor.conversationId, d: cursor.direction === 'before' ? 'b' : 'a', s: cursor.seq });
}

/** Decodes a conversation cursor and checks it belongs to `conversationId` and `field`'s direction. */
export function decodeConversationCursor(cursor: string, field: Direction, conversationId: string): ConversationCursor {
  const doc = decode(cursor, field);
  const direction = doc.d === 'b' ? 'before' : doc.d === 'a' ? 'since' : undefined;
  if (doc.k !== 'c' || typeof doc.c !== 'string' || !direction || !isSeq(doc.s)) {
    throw new ProtocolError('INVALID_CURSOR', `${field} is not a conversation cursor; pass the next_cursor of a message/history response for this conversation`);
  }
  if (doc.c !== conversationId) {
    throw new ProtocolError('INVALID_CURSOR', `${field} belongs to conversation ${doc.c}, not ${conversationId}`);
  }
  if (direction !== field) {
    throw new ProtocolError('INVALID_CURSOR', `this cursor pages ${direction === 'before' ? 'backwards' : 'forwards'}; pass it as "${direction}", not "${field}"`);
  }
  return { conversationId: doc.c, direction, seq: doc.s };
}

export function encodeSyncCursor(positions: SyncPositions): string {
  return encodeOpaqueCursor({ k: 's', p: positions });
}

export function decodeSyncCursor(cursor: string): SyncPositions {
  const doc = decode(cursor, 'since');
  const p = doc.p;
  if (doc.k !== 's' || typeof p !== 'object' || p === null || Array.isArray(p)) {
    throw new ProtocolError('INVALID_CURSOR', 'since is not a sync cursor; without conversation_id pass the next_cursor of a previous sync (message/history without conversation_id)');
  }
  const entries = Object.entries(p as Record<string, unknown>);
  if (entries.length > MAX_SYNC_ENTRIES || !entries.every(([k, v]) => k.length <= 64 && isSeq(v))) {
    throw new ProtocolError('INVALID_CURSOR', 'since is not a valid sync cursor; pass the next_cursor of a previous sync unchanged');
  }
  return Object.fromEntries(entries) as SyncPositions;
}

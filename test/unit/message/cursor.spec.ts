import { decodeConversationCursor, decodeSyncCursor, encodeConversationCursor, encodeSyncCursor } from '../../../src/modules/message/cursor';
import { ProtocolError } from '../../../src/shared/protocol';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ProtocolError ? err.code : 'other';
  }
  return undefined;
}

describe('history cursors', () => {
  it('round-trips conversation cursors and checks conversation and direction', () => {
    const cursor = encodeConversationCursor({ conversationId: 'g-1', direction: 'before', seq: 41 });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeConversationCursor(cursor, 'before', 'g-1')).toEqual({ conversationId: 'g-1', direction: 'before', seq: 41 });
    expect(codeOf(() => decodeConversationCursor(cursor, 'since', 'g-1'))).toBe('INVALID_CURSOR');
    expect(codeOf(() => decodeConversationCursor(cursor, 'before', 'g-2'))).toBe('INVALID_CURSOR');
  });

  it('round-trips sync cursors', () => {
    const positions = { 'd-u-a-u-b': 12, broadcast: 3 };
    expect(decodeSyncCursor(encodeSyncCursor(positions))).toEqual(positions);
    expect(decodeSyncCursor(encodeSyncCursor({}))).toEqual({});
  });

  it.each([
    ['garbage characters', 'abc$%'],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['wrong version', Buffer.from('{"v":2,"k":"s","p":{}}').toString('base64url')],
    ['a JSON array', Buffer.from('[1]').toString('base64url')],
    ['negative seq', Buffer.from('{"v":1,"k":"s","p":{"x":-1}}').toString('base64url')],
    ['fractional seq', Buffer.from('{"v":1,"k":"s","p":{"x":1.5}}').toString('base64url')],
    ['a conversation cursor', encodeConversationCursor({ conversationId: 'g', direction: 'since', seq: 1 })],
  ])('rejects %s as a sync cursor with INVALID_CURSOR', (_name, cursor) => {
    expect(codeOf(() => decodeSyncCursor(cursor))).toBe('INVALID_CURSOR');
  });
});

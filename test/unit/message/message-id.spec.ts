import { MESSAGE_ID_PATTERN, messageIdTime, newMessageId } from '../../../src/modules/message/message-id';
import { contentHash } from '../../../src/modules/message/content-hash';

describe('message ids', () => {
  it('are fixed-width, carry their time and sort by it', () => {
    const early = newMessageId(1_700_000_000_000);
    const late = newMessageId(1_700_000_000_001);
    expect(early).toMatch(MESSAGE_ID_PATTERN);
    expect(early.length).toBe(28);
    expect(messageIdTime(early)).toBe(1_700_000_000_000);
    expect(late > early).toBe(true);
  });

  it('are strictly increasing within one millisecond and unique', () => {
    const ids = Array.from({ length: 10_000 }, () => newMessageId(1_800_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('stay increasing when the clock steps back', () => {
    const a = newMessageId(1_900_000_000_000);
    const b = newMessageId(1_899_999_999_000);
    expect(b > a).toBe(true);
  });
});

describe('content hash', () => {
  const base = { target: { type: 'user', id: 'b' }, content: { type: 'text', text: 'hi' }, attachments: [], meta: {} };
  it('ignores key order and undefined fields', () => {
    expect(contentHash({ ...base, content: { text: 'hi', type: 'text' }, meta: { x: undefined } })).toBe(contentHash(base));
  });
  it('changes with content, attachments, meta and target', () => {
    const h = contentHash(base);
    expect(contentHash({ ...base, content: { type: 'text', text: 'ho' } })).not.toBe(h);
    expect(contentHash({ ...base, attachments: [{ file_id: 'f' }] })).not.toBe(h);
    expect(contentHash({ ...base, meta: { priority: 'high' } })).not.toBe(h);
    expect(contentHash({ ...base, target: { type: 'user', id: 'c' } })).not.toBe(h);
  });
});

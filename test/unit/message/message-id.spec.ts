import { createHash } from 'node:crypto';
import { MESSAGE_ID_PATTERN, messageIdTime, newMessageId } from '../../../src/modules/message/message-id';
import { canonical, contentHash } from '../../../src/modules/message/content-hash';

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

describe('canonical JSON of the content hash', () => {
  /** The first version, kept as the reference: stored hashes must stay comparable. */
  function reference(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
    if (value !== null && typeof value === 'object') {
      const entries = Object.keys(value as Record<string, unknown>)
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${reference((value as Record<string, unknown>)[k])}`);
      return `{${entries.join(',')}}`;
    }
    return JSON.stringify(value ?? null);
  }

  it('is the same string as the first version, byte for byte', () => {
    const samples: unknown[] = [
      null,
      undefined,
      0,
      -1.5e300,
      'tab\t"quote"\u2028 é 𝄞',
      [],
      {},
      [1, [2, [3, null]], { b: 1, a: 2 }],
      { z: 1, a: { y: [true, false], b: undefined, x: '' }, 10: 'ten', 9: 'nine', É: 1, e: 2, 'a"b': 3 },
      { target: { type: 'user', id: 'u-2' }, content: { type: 'text', text: 'hello' }, attachments: [{ file_id: 'f', size: 3 }], meta: { reply_to: null } },
      { already: 1, sorted: 2, zz: [{}] },
    ];
    for (const sample of samples) expect(canonical(sample)).toBe(reference(sample));
    const parts = samples[9] as Parameters<typeof contentHash>[0];
    expect(contentHash(parts)).toBe(createHash('sha256').update(reference(parts)).digest('hex'));
  });
});

/** message/search's query parser and snippets: syntax becomes terms and filters, never engine syntax. */
import { ftsString, likeContains, parseSearchQuery } from '../../../src/modules/message/search-query';
import { relevance, snippet } from '../../../src/modules/message/search-snippet';

describe('parseSearchQuery', () => {
  it('words, phrases and filters', () => {
    expect(parseSearchQuery('Review "Quarterly  Report" from:u-1 in:g-2 has:file 评审')).toEqual({
      terms: ['review', 'quarterly report', '评审'],
      fromUser: 'u-1',
      conversationId: 'g-2',
      hasFile: true,
    });
    expect(parseSearchQuery('x before:2026-12-01 after:2026-11-01T09:00:00Z')).toMatchObject({
      beforeMs: Date.parse('2026-12-01T00:00:00Z'),
      afterMs: Date.parse('2026-11-01T09:00:00Z'),
    });
  });

  it('hostile input is text: operators are words, lone punctuation is dropped, an unclosed quote runs to the end', () => {
    expect(parseSearchQuery('AND OR NOT (').terms).toEqual(['and', 'or', 'not']);
    expect(parseSearchQuery('"').terms).toEqual([]);
    expect(parseSearchQuery('say "hello world').terms).toEqual(['say', 'hello world']);
    expect(parseSearchQuery('a_b 100% *** x:').terms).toEqual(['a_b', '100%', '***', 'x:']);
  });

  it('bad filters and too many terms are 400s naming the query', () => {
    for (const q of ['has:link', 'before:yesterday', Array.from({ length: 17 }, (_, i) => `w${i}`).join(' ')]) {
      expect(() => parseSearchQuery(q)).toThrow(expect.objectContaining({ status: 400 }));
    }
  });

  it('terms reach the engines quoted or escaped', () => {
    expect(ftsString('a"b OR c')).toBe('"a""b OR c"');
    expect(likeContains('100%_\\')).toBe('%100\\%\\_\\\\%');
  });
});

describe('snippet', () => {
  it('marks every match, case-insensitively, keeping the text as written', () => {
    expect(snippet('The Review of reviews', ['review'])).toEqual([{ text: 'The ' }, { text: 'Review', match: true }, { text: ' of ' }, { text: 'review', match: true }, { text: 's' }]);
  });

  it('cuts long text around the first match, at code point boundaries', () => {
    const text = `${'😀'.repeat(100)}评审${'x'.repeat(300)}`;
    const parts = snippet(text, ['评审']);
    expect(parts[0]).toEqual({ text: '…' });
    expect(parts[parts.length - 1]).toEqual({ text: '…' });
    expect(parts.find((p) => p.match)).toEqual({ text: '评审', match: true });
    expect(parts.map((p) => p.text).join('')).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });

  it('relevance prefers denser and whole-word matches', () => {
    expect(relevance('sprint', ['sprint'])).toBeGreaterThan(relevance('the sprint review of last week', ['sprint']));
    expect(relevance('a sprint b', ['sprint'])).toBeGreaterThan(relevance('asprintb', ['sprint']));
  });
});

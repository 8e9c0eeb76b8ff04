/** The SQL functions every SQLite connection gets: text_grams cuts text into the search index's 2-grams. */
import { textGrams } from '../../../src/database/sqlite-functions';

describe('text_grams', () => {
  it('distinct 2-character grams by code point, the last character alone', () => {
    expect(textGrams('评审会评审')).toBe('评审 审会 会评 审');
    expect(textGrams('a😀b')).toBe('a😀 😀b b');
    expect(textGrams('x')).toBe('x');
    expect(textGrams('')).toBe('');
    expect(textGrams(null)).toBeNull();
  });
});

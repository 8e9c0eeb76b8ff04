/**
 * assertStorablePayload (NUL characters, nesting depth, prototype-pollution keys) names the same
 * field as the explicit-stack walk it replaced, for generated payloads with several problems at
 * once: a client sees the same 400 whichever implementation runs. The reference below is that
 * former walk, kept here as the specification of the order.
 */
import { assertStorablePayload, MAX_PAYLOAD_DEPTH } from '../../../src/common/pipes/protocol-validation.pipe';
import { seededRandom } from '../../support/seeded-random';

function reference(payload: unknown): { field: string; problem: string } | undefined {
  const stack: [unknown, string, number][] = [[payload, '', 0]];
  while (stack.length > 0) {
    const [value, path, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return { field: path || 'payload', problem: 'must not contain the NUL character (U+0000)' };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_PAYLOAD_DEPTH) return { field: path || 'payload', problem: `is nested too deeply (at most ${MAX_PAYLOAD_DEPTH} levels)` };
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) return { field: path || 'payload', problem: 'keys must not contain the NUL character (U+0000)' };
      stack.push([child, childPath, depth + 1]);
    }
  }
  return undefined;
}

function actual(payload: unknown): { field: string; problem: string } | undefined {
  try {
    assertStorablePayload(payload);
    return undefined;
  } catch (err) {
    const fields = (err as { details?: { fields?: { field: string; problems: string[] }[] } }).details?.fields ?? [];
    return { field: fields[0]?.field, problem: fields[0]?.problems[0] } as { field: string; problem: string };
  }
}


function generate(next: () => number, depth: number): unknown {
  const r = next();
  if (depth > 40 || r < 0.3) return ['ok', 'bad\u0000', 1, null, true][Math.floor(next() * 5)];
  if (r < 0.45) return Array.from({ length: Math.floor(next() * 3) }, () => generate(next, depth + 1));
  const out: Record<string, unknown> = {};
  const keys = ['a', 'b', 'k\u0000', 'c', 'constructor', 'd'];
  for (let i = Math.floor(next() * 4); i > 0; i--) out[keys[Math.floor(next() * keys.length)]] = generate(next, depth + (next() < 0.9 ? 1 : 0));
  return out;
}

describe('assertStorablePayload', () => {
  it('names the same field as the former explicit-stack walk', () => {
    const next = seededRandom(42);
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      const payload = { p: generate(next, 1) };
      const expected = reference(payload);
      expect(actual(payload)).toEqual(expected);
      if (expected) refused++;
    }
    expect(refused).toBeGreaterThan(100);
  });

  it('refuses nesting at the limit, and reports prototype-pollution keys for the strip walk', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < MAX_PAYLOAD_DEPTH; i++) deep = { n: deep };
    expect(actual(deep)).toBeUndefined();
    deep = { n: deep };
    expect(actual(deep)).toEqual({ field: 'n'.repeat(MAX_PAYLOAD_DEPTH).split('').join('.'), problem: `is nested too deeply (at most ${MAX_PAYLOAD_DEPTH} levels)` });
    expect(assertStorablePayload({ a: [{ b: 1 }] })).toBe(false);
    expect(assertStorablePayload(JSON.parse('{"a":[{"__proto__":{"x":1}}]}'))).toBe(true);
    expect(assertStorablePayload({ a: { constructor: 1 } })).toBe(true);
  });
});

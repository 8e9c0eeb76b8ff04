/**
 * Snippets and the relevance score of message/search, computed here from the message text so
 * both engines answer the same (the FTS5 tables are contentless; PostgreSQL has no snippet
 * function for trigram matches).
 *
 * A snippet is a list of parts, `{text, match?}`: the matched terms are the parts with
 * `match: true`. Clients render them as they like (bold, colour) without parsing markers out of
 * text that might contain the same markers.
 */
export interface SnippetPart {
  text: string;
  match?: boolean;
}

/** Characters of context shown around the first match (either side, roughly). */
const CONTEXT = 40;
const MAX_SNIPPET = 160;

function termPattern(terms: string[]): RegExp | null {
  const escaped = terms.filter((t) => t.length > 0).sort((a, b) => b.length - a.length).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return escaped.length > 0 ? new RegExp(escaped.join('|'), 'giu') : null;
}

function matches(text: string, terms: string[]): { start: number; end: number }[] {
  const pattern = termPattern(terms);
  if (!pattern) return [];
  const out: { start: number; end: number }[] = [];
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (m[0].length === 0) {
      pattern.lastIndex++;
      continue;
    }
    out.push({ start: m.index, end: m.index + m[0].length });
  }
  return out;
}

/** Cuts at a code point boundary (never between the halves of a surrogate pair). */
function boundary(text: string, i: number): number {
  if (i <= 0) return 0;
  if (i >= text.length) return text.length;
  const c = text.charCodeAt(i);
  return c >= 0xdc00 && c <= 0xdfff ? i - 1 : i;
}

export function snippet(text: string, terms: string[]): SnippetPart[] {
  const found = matches(text, terms);
  if (text.length <= MAX_SNIPPET && found.length === 0) return text.length > 0 ? [{ text }] : [];
  const first = found[0]?.start ?? 0;
  const start = text.length <= MAX_SNIPPET ? 0 : boundary(text, Math.max(0, Math.min(first - CONTEXT, text.length - MAX_SNIPPET)));
  const end = boundary(text, Math.min(text.length, start + MAX_SNIPPET));
  const parts: SnippetPart[] = [];
  let at = start;
  for (const m of found) {
    if (m.end <= at || m.start >= end) continue;
    const s = Math.max(m.start, at);
    const e = Math.min(m.end, end);
    if (s > at) parts.push({ text: text.slice(at, s) });
    parts.push({ text: text.slice(s, e), match: true });
    at = e;
  }
  if (at < end) parts.push({ text: text.slice(at, end) });
  if (start > 0) parts.unshift({ text: '…' });
  if (end < text.length) parts.push({ text: '…' });
  return parts;
}

/**
 * How well `text` matches: the share of the text the terms cover, plus a bonus per term found
 * as a whole word (Latin) and for repeated terms. Ties go to the newer message (the caller).
 */
export function relevance(text: string, terms: string[]): number {
  if (text.length === 0) return 0;
  const found = matches(text, terms);
  let covered = 0;
  for (const m of found) covered += m.end - m.start;
  let words = 0;
  for (const t of terms) {
    const word = new RegExp(`(^|[^\\p{L}\\p{N}])${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\p{L}\\p{N}])`, 'iu');
    if (word.test(text)) words++;
  }
  return covered / text.length + 0.5 * words + 0.1 * Math.min(found.length, 10);
}

/**
 * message/search's query string, parsed into plain terms and filters. The engines never see the
 * user's text as query syntax: every term becomes a quoted FTS5 string or an escaped LIKE
 * pattern / array element (message-search.repository.ts), so `"`, `AND OR NOT (`, `*`, `%` are
 * searched for as text, never interpreted.
 *
 *   words          every word must occur (substring, case-insensitive): `review` finds
 *                  "reviews", "Reviewer", "preview"; no stemming (`reviewed` does not find "review")
 *   "a phrase"     the words in this order, as typed (an unclosed quote runs to the end)
 *   from:<user id> messages of that sender
 *   in:<conv id>   one conversation
 *   has:file       messages with attachments
 *   before:<date>  after:<date>   YYYY-MM-DD (UTC day) or an ISO 8601 time
 *
 * A term shorter than 3 characters with no letter or digit (`(`, `--`) is ignored. Anything else
 * of the form `x:y` is a word.
 */
import { validationFailed } from './message.service';

export const MAX_TERMS = 16;

export interface ParsedQuery {
  /** Lower-cased, as typed otherwise (a phrase keeps its inner spaces). */
  terms: string[];
  fromUser?: string;
  conversationId?: string;
  hasFile?: boolean;
  /** Epoch ms bounds (exclusive). */
  beforeMs?: number;
  afterMs?: number;
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Characters (code points), as the trigram tokenizer and PostgreSQL's length() count them. */
export function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function parseSearchQuery(query: string): ParsedQuery {
  const out: ParsedQuery = { terms: [] };
  const pieces: { text: string; quoted: boolean }[] = [];
  const re = /"([^"]*)("|$)|(\S+)/gu;
  for (let m = re.exec(query); m; m = re.exec(query)) {
    if (m[3] !== undefined) pieces.push({ text: m[3], quoted: false });
    else pieces.push({ text: m[1].trim().replace(/\s+/gu, ' '), quoted: true });
  }
  for (const piece of pieces) {
    if (!piece.quoted && filter(piece.text, out)) continue;
    // A word's own quotes (ab"c) were split off by the pattern above; what is left is text.
    const term = piece.text.toLowerCase();
    if (term.length === 0) continue;
    if (charCount(term) < 3 && !LETTER_OR_DIGIT.test(term)) continue;
    if (!out.terms.includes(term)) out.terms.push(term);
  }
  if (out.terms.length > MAX_TERMS) throw validationFailed('query', `has ${out.terms.length} terms; at most ${MAX_TERMS}`);
  return out;
}

/** Applies `from:`, `in:`, `has:file`, `before:`, `after:`; false when the word is not one. */
function filter(word: string, out: ParsedQuery): boolean {
  const colon = word.indexOf(':');
  if (colon <= 0 || colon === word.length - 1) return false;
  const key = word.slice(0, colon).toLowerCase();
  const value = word.slice(colon + 1);
  switch (key) {
    case 'from':
      out.fromUser = value.replace(/^@/, '');
      return true;
    case 'in':
      out.conversationId = value;
      return true;
    case 'has':
      if (value.toLowerCase() !== 'file') throw validationFailed('query', `has:${value} is not a filter; has:file is`);
      out.hasFile = true;
      return true;
    case 'before':
    case 'after': {
      const ms = DAY.test(value) ? Date.parse(`${value}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
      if (!Number.isFinite(ms)) throw validationFailed('query', `${key}:${value} is not a date; use YYYY-MM-DD (UTC) or an ISO 8601 time`);
      if (key === 'before') out.beforeMs = ms;
      else out.afterMs = ms;
      return true;
    }
    default:
      return false;
  }
}

/** LIKE pattern matching `term` anywhere, with `\` as the escape character. */
export function likeContains(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** An FTS5 string: the term between double quotes, inner quotes doubled — never FTS5 syntax. */
export function ftsString(term: string): string {
  return `"${term.replace(/"/g, '""')}"`;
}

/**
 * What a reaction may be: ONE emoji grapheme (as a user picks it from an emoji keyboard: a
 * pictograph with its skin tone, ZWJ sequence, variation selector or keycap; a flag) or a
 * `:shortcode:` (lower-case letters, digits, `_`, `+`, `-`; a client maps it to a custom image).
 * Anything else — text, two emojis, control characters — is refused with a message saying so.
 */
const SHORTCODE = /^:[a-z0-9_+-]{1,32}:$/;
const PICTOGRAPH = /\p{Extended_Pictographic}/u;
const FLAG = /^\p{Regional_Indicator}{2}$/u;
const KEYCAP = /^[0-9#*]\uFE0F?\u20E3$/u;
/** The code points one emoji grapheme may consist of (ZWJ sequences, modifiers, tags for subdivision flags). */
const EMOJI_PARTS = /^(?:\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Emoji_Component}|\u200D|\uFE0F|[\u{E0020}-\u{E007F}])+$/u;
const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Longest reaction, in UTF-16 code units (the longest real ZWJ sequences are ~ 35). */
export const REACTION_MAX_LENGTH = 64;

/** undefined when `value` is a valid reaction, otherwise what is wrong with it. */
export function reactionProblem(value: string): string | undefined {
  const rule = 'must be one emoji (e.g. "👍", "👍🏽", "🇫🇷") or a :shortcode: (e.g. ":party_parrot:")';
  if (value.length === 0 || value.length > REACTION_MAX_LENGTH) return rule;
  if (value.startsWith(':')) return SHORTCODE.test(value) ? undefined : `${rule}; a shortcode is 1 to 32 of a-z, 0-9, _, + and - between colons`;
  let graphemes = 0;
  for (const _ of segmenter.segment(value)) if (++graphemes > 1) return `${rule}, not several characters`;
  if (FLAG.test(value) || KEYCAP.test(value)) return undefined;
  return PICTOGRAPH.test(value) && EMOJI_PARTS.test(value) ? undefined : rule;
}

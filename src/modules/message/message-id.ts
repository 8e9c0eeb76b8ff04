/**
 * Server-assigned message ids: `m-` + 10 Crockford base32 characters of the millisecond time
 * (48 bits, zero-padded so ids sort as strings in time order) + 16 random characters (80 bits).
 * Within one millisecond the random part is incremented, so ids made by one process are
 * strictly increasing (ULID "monotonic" mode); across processes they are unique by randomness.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
export const MESSAGE_ID_PATTERN = /^m-[0-9A-HJKMNP-TV-Z]{26}$/;

let lastTime = -1;
let lastRandom: number[] = [];

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

function freshRandom(): number[] {
  const bytes = randomBytes(RANDOM_CHARS);
  return Array.from(bytes, (b) => b & 31);
}

/** Adds one to the base32 digit array; on (astronomically unlikely) overflow starts fresh. */
function increment(digits: number[]): number[] {
  const next = [...digits];
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i] < 31) {
      next[i]++;
      return next;
    }
    next[i] = 0;
  }
  return freshRandom();
}

export function newMessageId(now: number = Date.now()): string {
  if (now <= lastTime) {
    lastRandom = increment(lastRandom);
    now = lastTime; // a clock step backwards must not break the ordering of our own ids
  } else {
    lastTime = now;
    lastRandom = freshRandom();
  }
  return `m-${encodeTime(now)}${lastRandom.map((d) => ALPHABET[d]).join('')}`;
}

/** The millisecond time encoded in a message id (for tooling and tests). */
export function messageIdTime(id: string): number {
  let ms = 0;
  for (const ch of id.slice(2, 2 + TIME_CHARS)) ms = ms * 32 + ALPHABET.indexOf(ch);
  return ms;
}

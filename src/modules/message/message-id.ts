/**
 * Server-assigned message ids: `m-` + 10 Crockford base32 characters of the millisecond time
 * (48 bits, zero-padded so ids sort as strings in time order) + 16 random characters (80 bits).
 * Within one millisecond the random part is incremented, so ids made by one process are
 * strictly increasing (ULID "monotonic" mode); across processes they are unique by randomness.
 */
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
export const MESSAGE_ID_PATTERN = /^m-[0-9A-HJKMNP-TV-Z]{26}$/;

let lastTime = -1;
/** The random part of the last id, one base32 digit (0-31) per character. */
const lastRandom = new Uint8Array(RANDOM_CHARS);

/**
 * Random bytes are drawn 4 KiB at a time (one randomFillSync per 256 fresh ids instead of one
 * randomBytes call per id: ≈ 2 % of a send's server CPU in the relay profile).
 */
const pool = new Uint8Array(4096);
let poolOffset = pool.length;

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

function freshRandom(): void {
  if (poolOffset + RANDOM_CHARS > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  for (let i = 0; i < RANDOM_CHARS; i++) lastRandom[i] = pool[poolOffset + i] & 31;
  poolOffset += RANDOM_CHARS;
}

/** Adds one to the base32 digits; on (astronomically unlikely) overflow starts fresh. */
function increment(): void {
  for (let i = RANDOM_CHARS - 1; i >= 0; i--) {
    if (lastRandom[i] < 31) {
      lastRandom[i]++;
      return;
    }
    lastRandom[i] = 0;
  }
  freshRandom();
}

function randomText(): string {
  let out = '';
  for (let i = 0; i < RANDOM_CHARS; i++) out += ALPHABET[lastRandom[i]];
  return out;
}

let lastTimeText = '';

export function newMessageId(now: number = Date.now()): string {
  if (now <= lastTime) {
    increment();
    now = lastTime; // a clock step backwards must not break the ordering of our own ids
  } else {
    lastTime = now;
    lastTimeText = encodeTime(now);
    freshRandom();
  }
  return `m-${lastTimeText}${randomText()}`;
}

/** The millisecond time encoded in a message id (for tooling and tests). */
export function messageIdTime(id: string): number {
  let ms = 0;
  for (const ch of id.slice(2, 2 + TIME_CHARS)) ms = ms * 32 + ALPHABET.indexOf(ch);
  return ms;
}

/** The smallest id made at millisecond `ms`: ids of entries made before `ms` sort below it. */
export function messageIdFloor(ms: number): string {
  return `m-${encodeTime(Math.max(0, Math.floor(ms)))}${'0'.repeat(RANDOM_CHARS)}`;
}

/**
 * Frame signing (HMAC-SHA256) and payload encryption (AES-256-GCM), shared by the server and the
 * SDK so both sides compute byte-identical inputs. Pure: node:crypto only, no Nest.
 *
 * Signing input (docs/protocol.md "Security"): the canonical JSON (RFC 8785 style: keys sorted by
 * UTF-16 code units, no whitespace, ECMAScript number/string serialization), UTF-8 encoded, of
 * - v2 (`headers.signature_version: "2"`): `{authorization, command, direction, id, payload
 *   (without "signature"), timestamp, type, v: 2}`: it also covers the bearer token header and
 *   who sent the frame ("c2s" client → server, "s2c" server → client), so neither a copied frame
 *   with a swapped/broken Authorization header nor a server frame reflected back verifies;
 * - v1 (no header, legacy): `{command, id, payload (without "signature"), timestamp, type}`.
 * The signature is lowercase hex and travels as `payload.signature`.
 *
 * Encryption: the payload object (signature included, so the signature is over the plaintext)
 * is JSON-encoded and sealed with AES-256-GCM under a fresh random 96-bit IV; the additional
 * authenticated data is the canonical JSON of `{command, id, kid}`, which pins a ciphertext to
 * its frame. The wire form is `{enc, kid, iv, data, tag}` with base64url (no padding) fields.
 */
import { createCipheriv, createDecipheriv, createHmac, KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Envelope } from './envelope';
import { ProtocolError } from './errors';

export const SIGNATURE_FIELD = 'signature';
export const ENCRYPTION_ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

// ------------------------------------------------------------------------------------------------
// base64url

export function toBase64Url(data: Buffer): string {
  return data.toString('base64url');
}

/** Strict base64url decode: rejects characters outside the alphabet (Buffer.from would skip them). */
export function fromBase64Url(text: string): Buffer {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not base64url');
  return Buffer.from(text, 'base64url');
}

// ------------------------------------------------------------------------------------------------
// canonical JSON + signatures

/**
 * Canonical JSON: object keys sorted (recursively) by UTF-16 code units, no whitespace, members
 * whose value is `undefined` omitted, strings and numbers as JSON.stringify writes them. For the
 * JSON values frames carry this is the same output as RFC 8785 (JCS).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('non-finite number in signed data');
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined || typeof v === 'function') continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

type SignableFrame = Pick<Envelope, 'id' | 'command' | 'timestamp' | 'payload' | 'headers'> & { type?: string };

/** Header naming the canonical signing form of a signed frame ("2"); absent means the legacy v1. */
export const SIGNATURE_VERSION_HEADER = 'signature_version';
export type SignatureVersion = 1 | 2;
export const LATEST_SIGNATURE_VERSION: SignatureVersion = 2;
/** Who sent the frame: client → server or server → client (covered by v2 signatures). */
export type FrameDirection = 'c2s' | 's2c';
/** HMAC key: the UTF-8 string, raw bytes, or a KeyObject made once (cheapest per frame). */
export type SigningKey = string | Buffer | KeyObject;

/** The signing version a frame declares: 2 for `headers.signature_version: "2"`, 1 when absent, undefined when unknown. */
export function signatureVersionOf(frame: Pick<Envelope, 'headers'>): SignatureVersion | undefined {
  const declared = frame.headers?.[SIGNATURE_VERSION_HEADER];
  if (declared === undefined) return 1;
  return declared === '2' || declared === 2 ? 2 : declared === '1' || declared === 1 ? 1 : undefined;
}

/** The bearer header as the token guard reads it (`Authorization`, else `authorization`). */
export function authorizationOf(frame: Pick<Envelope, 'headers'>): unknown {
  const headers = frame.headers;
  return headers ? (headers.Authorization ?? headers.authorization) : undefined;
}

/**
 * The exact string that is HMACed, in the form the frame declares (headers.signature_version).
 * `direction` only enters v2.
 */
export function signingInput(frame: SignableFrame, direction: FrameDirection = 'c2s'): string {
  const { [SIGNATURE_FIELD]: _ignored, ...payload } = (frame.payload ?? {}) as Record<string, unknown>;
  // validateEnvelope defaults an absent type to "request"; sign what the server will see.
  const type = frame.type ?? 'request';
  const version = signatureVersionOf(frame);
  if (version === 1) return canonicalJson({ command: frame.command, id: frame.id, payload, timestamp: frame.timestamp, type });
  if (version === undefined) throw new Error(`unknown ${SIGNATURE_VERSION_HEADER}`);
  return canonicalJson({
    authorization: authorizationOf(frame),
    command: frame.command,
    direction,
    id: frame.id,
    payload,
    timestamp: frame.timestamp,
    type,
    v: 2,
  });
}

/** HMAC-SHA256 of the signing input, lowercase hex. */
export function computeSignature(frame: SignableFrame, key: SigningKey, direction: FrameDirection = 'c2s'): string {
  return createHmac('sha256', key).update(signingInput(frame, direction), 'utf8').digest('hex');
}

/**
 * Returns a copy of the payload with `signature` set (never mutates: payloads may be shared).
 * The frame's headers must already carry the signing version (withSignatureVersion) for v2.
 */
export function signPayload(frame: SignableFrame, key: SigningKey, direction: FrameDirection = 'c2s'): Record<string, unknown> {
  return { ...(frame.payload as Record<string, unknown>), [SIGNATURE_FIELD]: computeSignature(frame, key, direction) };
}

/** Headers with `signature_version` set for `version` (v1: the header is left out). */
export function withSignatureVersion<H extends Envelope['headers']>(headers: H, version: SignatureVersion = LATEST_SIGNATURE_VERSION): H {
  const { [SIGNATURE_VERSION_HEADER]: _old, ...rest } = (headers ?? {}) as Record<string, unknown>;
  return (version === 1 ? rest : { ...rest, [SIGNATURE_VERSION_HEADER]: String(version) }) as H;
}

export type SignatureCheck = 'valid' | 'missing' | 'invalid';

const SIGNATURE_HEX = /^[0-9a-f]{64}$/;

/** Constant-time check of `payload.signature` (form from headers.signature_version; unknown version → invalid). */
export function checkSignature(frame: SignableFrame, key: SigningKey, direction: FrameDirection = 'c2s'): SignatureCheck {
  const given = (frame.payload as Record<string, unknown> | undefined)?.[SIGNATURE_FIELD];
  if (given === undefined) return 'missing';
  if (typeof given !== 'string' || !SIGNATURE_HEX.test(given) || signatureVersionOf(frame) === undefined) return 'invalid';
  const expected = Buffer.from(computeSignature(frame, key, direction), 'hex');
  return timingSafeEqual(expected, Buffer.from(given, 'hex')) ? 'valid' : 'invalid';
}

// ------------------------------------------------------------------------------------------------
// payload encryption

export interface PayloadKey {
  kid: string;
  key: Buffer;
}

export interface EncryptedPayload {
  enc: typeof ENCRYPTION_ALGORITHM;
  kid: string;
  iv: string;
  data: string;
  tag: string;
}

/**
 * Parses `kid:base64key[,kid:base64key...]`. The first key is the current one (used to encrypt);
 * all are accepted for decryption. Keys must decode to exactly 32 bytes (standard or url base64).
 */
export function parsePayloadKeys(spec: string): PayloadKey[] {
  const keys: PayloadKey[] = [];
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const colon = part.indexOf(':');
    // Never echo the entry: without its colon it may be all key material.
    if (colon <= 0) throw new Error(`entry ${keys.length + 1} is not of the form kid:base64key`);
    const kid = part.slice(0, colon);
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(kid)) throw new Error(`key id "${kid}" must be 1-64 characters of A-Z a-z 0-9 . _ -`);
    const encoded = part.slice(colon + 1).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    let key: Buffer;
    try {
      key = fromBase64Url(encoded);
    } catch {
      throw new Error(`key "${kid}" is not valid base64`);
    }
    if (key.length !== KEY_BYTES) throw new Error(`key "${kid}" decodes to ${key.length} bytes; AES-256 needs exactly ${KEY_BYTES}`);
    if (keys.some((k) => k.kid === kid)) throw new Error(`key id "${kid}" appears twice`);
    keys.push({ kid, key });
  }
  if (keys.length === 0) throw new Error('no keys given');
  return keys;
}

export function isEncryptedPayload(payload: unknown): payload is EncryptedPayload {
  return typeof payload === 'object' && payload !== null && typeof (payload as { enc?: unknown }).enc === 'string';
}

/** Additional authenticated data: binds a ciphertext to the frame's id and command and to its key id. */
export function encryptionAad(frame: Pick<Envelope, 'id' | 'command'>, kid: string): Buffer {
  return Buffer.from(canonicalJson({ command: frame.command, id: frame.id, kid }), 'utf8');
}

/** Seals `payload` for `frame` under `key` with a fresh random 96-bit IV. */
export function encryptPayload(frame: Pick<Envelope, 'id' | 'command'>, payload: Record<string, unknown>, key: PayloadKey): EncryptedPayload {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ENCRYPTION_ALGORITHM, key.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(encryptionAad(frame, key.kid));
  const data = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
  return {
    enc: ENCRYPTION_ALGORITHM,
    kid: key.kid,
    iv: toBase64Url(iv),
    data: toBase64Url(data),
    tag: toBase64Url(cipher.getAuthTag()),
  };
}

/**
 * Opens an encrypted payload. Any failure (unknown algorithm or kid, malformed field, bad tag,
 * plaintext not a JSON object) is a 400 DECRYPTION_FAILED that says which, without leaking more.
 */
export function decryptPayload(frame: Pick<Envelope, 'id' | 'command'>, sealed: unknown, keys: readonly PayloadKey[]): Record<string, unknown> {
  const fail = (why: string) => new ProtocolError('DECRYPTION_FAILED', `encrypted payload rejected: ${why}`);
  if (!isEncryptedPayload(sealed)) throw fail('payload is not of the form {enc, kid, iv, data, tag}');
  if (sealed.enc !== ENCRYPTION_ALGORITHM) throw fail(`"enc" must be "${ENCRYPTION_ALGORITHM}"`);
  for (const field of ['kid', 'iv', 'data', 'tag'] as const) {
    if (typeof sealed[field] !== 'string') throw fail(`"${field}" must be a string`);
  }
  const key = keys.find((k) => k.kid === sealed.kid);
  if (!key) throw fail(`unknown key id "${sealed.kid.slice(0, 64)}"`);
  let iv: Buffer, data: Buffer, tag: Buffer;
  try {
    iv = fromBase64Url(sealed.iv);
    data = fromBase64Url(sealed.data);
    tag = fromBase64Url(sealed.tag);
  } catch {
    throw fail('"iv", "data" and "tag" must be base64url without padding');
  }
  if (iv.length !== IV_BYTES) throw fail(`"iv" must be ${IV_BYTES} bytes`);
  if (tag.length !== TAG_BYTES) throw fail(`"tag" must be ${TAG_BYTES} bytes`);
  let plaintext: string;
  try {
    const decipher = createDecipheriv(ENCRYPTION_ALGORITHM, key.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(encryptionAad(frame, key.kid));
    decipher.setAuthTag(tag);
    plaintext = Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch {
    throw fail('authentication tag does not match (wrong key, or the frame was altered)');
  }
  let value: unknown;
  try {
    value = JSON.parse(plaintext);
  } catch {
    throw fail('decrypted data is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('decrypted data is not a JSON object');
  return value as Record<string, unknown>;
}

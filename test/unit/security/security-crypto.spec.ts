import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { TokenBucket } from '../../../src/common/security/token-bucket';
import { securityConfig } from '../../../src/config/security.config';
import {
  canonicalJson,
  checkSignature,
  computeSignature,
  decryptPayload,
  encryptPayload,
  fromBase64Url,
  parsePayloadKeys,
  signingInput,
  signPayload,
} from '../../../src/shared/protocol/crypto';

/** The worked example of docs/protocol.md (Security). The hex was cross-checked with `openssl dgst -sha256 -hmac`. */
const EXAMPLE_KEY = 'example-signing-key-0123456789abcdef';
const EXAMPLE = {
  id: 'msg-58123',
  type: 'request' as const,
  timestamp: 1730795220,
  command: 'message/send',
  headers: { version: '1.0' },
  payload: { target: { type: 'user', id: 'u-10002' }, content: { type: 'text', text: 'Hello world!' }, meta: { priority: 'normal' } },
};
const EXAMPLE_INPUT =
  '{"command":"message/send","id":"msg-58123","payload":{"content":{"text":"Hello world!","type":"text"},"meta":{"priority":"normal"},"target":{"id":"u-10002","type":"user"}},"timestamp":1730795220,"type":"request"}';
const EXAMPLE_SIGNATURE = '9cb3ec96068fa2280410f8ea72dbf9bf0b96844bdc06f240f4c2893778a36875';

/** The v2 worked example of docs/protocol.md (also cross-checked with openssl). */
const EXAMPLE_V2 = {
  id: 'msg-58124',
  type: 'request' as const,
  timestamp: 1730795220,
  command: 'message/send',
  headers: { version: '1.0', signature_version: '2', Authorization: 'Bearer example-access-token' },
  payload: { target: { type: 'user', id: 'u-10002' }, content: { type: 'text', text: 'Hello world!' } },
};
const EXAMPLE_V2_INPUT =
  '{"authorization":"Bearer example-access-token","command":"message/send","direction":"c2s","id":"msg-58124","payload":{"content":{"text":"Hello world!","type":"text"},"target":{"id":"u-10002","type":"user"}},"timestamp":1730795220,"type":"request","v":2}';
const EXAMPLE_V2_SIGNATURE = '83674056f897ac2a9dfb22689e90fa82292abdafd46b37e4c826a73f59aed790';

const key = (kid: string) => ({ kid, key: randomBytes(32) });

describe('canonical signing form v2', () => {
  it('matches the documented worked example byte for byte', () => {
    expect(signingInput(EXAMPLE_V2, 'c2s')).toBe(EXAMPLE_V2_INPUT);
    expect(computeSignature(EXAMPLE_V2, EXAMPLE_KEY, 'c2s')).toBe(EXAMPLE_V2_SIGNATURE);
  });

  it('covers the Authorization header (either spelling), the direction and the version', () => {
    const signed = { ...EXAMPLE_V2, payload: signPayload(EXAMPLE_V2, EXAMPLE_KEY, 'c2s') };
    expect(checkSignature(signed, EXAMPLE_KEY, 'c2s')).toBe('valid');
    const variants = [
      { ...signed, headers: { ...signed.headers, Authorization: 'Bearer broken' } },
      { ...signed, headers: { version: '1.0', signature_version: '2' } },
      { ...signed, headers: { version: '1.0', signature_version: '2', authorization: 'Bearer other' } },
      // Downgrade: the same signature read as the v1 form does not verify.
      { ...signed, headers: { version: '1.0', Authorization: 'Bearer example-access-token' } },
      { ...signed, headers: { ...signed.headers, signature_version: '3' } },
    ];
    for (const frame of variants) expect(checkSignature(frame, EXAMPLE_KEY, 'c2s')).toBe('invalid');
    // A client frame reflected back as if from the server (and vice versa) does not verify.
    expect(checkSignature(signed, EXAMPLE_KEY, 's2c')).toBe('invalid');
    const lower = { ...EXAMPLE_V2, headers: { version: '1.0', signature_version: '2', authorization: 'Bearer example-access-token' } };
    expect(computeSignature(lower, EXAMPLE_KEY, 'c2s')).toBe(EXAMPLE_V2_SIGNATURE);
  });
});

describe('canonical signing form', () => {
  it('matches the documented worked example byte for byte', () => {
    expect(signingInput(EXAMPLE)).toBe(EXAMPLE_INPUT);
    expect(computeSignature(EXAMPLE, EXAMPLE_KEY)).toBe(EXAMPLE_SIGNATURE);
  });

  it('sorts keys recursively, keeps array order, drops undefined members, escapes like JSON', () => {
    expect(canonicalJson({ b: [3, { z: 1, a: 'é\n"' }], a: 1.5, u: undefined, n: null })).toBe('{"a":1.5,"b":[3,{"a":"é\\n\\"","z":1}],"n":null}');
  });

  it('ignores the signature field itself and headers, and treats an absent type as request', () => {
    const signed = { ...EXAMPLE, headers: { Authorization: 'Bearer x' }, payload: { ...EXAMPLE.payload, signature: 'whatever' } };
    expect(signingInput(signed)).toBe(EXAMPLE_INPUT);
    const { type: _type, ...untyped } = EXAMPLE;
    expect(signingInput(untyped)).toBe(EXAMPLE_INPUT);
  });

  it('is valid JSON, independent of key insertion order and stable when re-parsed (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const text = canonicalJson(obj);
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        return text === canonicalJson(reversed) && canonicalJson(JSON.parse(text)) === text;
      }),
    );
  });
});

describe('signatures', () => {
  const frame = { id: 'r-1', type: 'request' as const, timestamp: 1700000000, command: 'control/ping', payload: { a: 1 } };

  it('accepts a signed payload and does not mutate the original', () => {
    const payload = signPayload(frame, EXAMPLE_KEY);
    expect(frame.payload).toEqual({ a: 1 });
    expect(payload.signature).toMatch(/^[0-9a-f]{64}$/);
    expect(checkSignature({ ...frame, payload }, EXAMPLE_KEY)).toBe('valid');
  });

  it('reports missing and invalid signatures (tampered payload, id, command, timestamp, type, other key)', () => {
    const payload = signPayload(frame, EXAMPLE_KEY);
    expect(checkSignature(frame, EXAMPLE_KEY)).toBe('missing');
    expect(checkSignature({ ...frame, payload: { ...payload, a: 2 } }, EXAMPLE_KEY)).toBe('invalid');
    expect(checkSignature({ ...frame, id: 'r-2', payload }, EXAMPLE_KEY)).toBe('invalid');
    expect(checkSignature({ ...frame, command: 'auth/logout', payload }, EXAMPLE_KEY)).toBe('invalid');
    expect(checkSignature({ ...frame, timestamp: 1700000001, payload }, EXAMPLE_KEY)).toBe('invalid');
    expect(checkSignature({ ...frame, type: 'event', payload }, EXAMPLE_KEY)).toBe('invalid');
    expect(checkSignature({ ...frame, payload }, `${EXAMPLE_KEY}!`)).toBe('invalid');
    expect(checkSignature({ ...frame, payload: { ...payload, signature: 'ABC' } }, EXAMPLE_KEY)).toBe('invalid');
    expect(checkSignature({ ...frame, payload: { ...payload, signature: 42 } }, EXAMPLE_KEY)).toBe('invalid');
  });
});

describe('payload encryption', () => {
  const frame = { id: 'r-1', command: 'message/send' };

  it('round-trips and uses a fresh 96-bit IV every time', () => {
    const k = key('k1');
    const ivs = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const sealed = encryptPayload(frame, { n: i, text: 'héllo' }, k);
      expect(sealed).toMatchObject({ enc: 'aes-256-gcm', kid: 'k1' });
      expect(fromBase64Url(sealed.iv)).toHaveLength(12);
      expect(fromBase64Url(sealed.tag)).toHaveLength(16);
      ivs.add(sealed.iv);
      expect(decryptPayload(frame, sealed, [k])).toEqual({ n: i, text: 'héllo' });
    }
    expect(ivs.size).toBe(1000);
  });

  it('decrypts with any listed key (rotation) and refuses unknown kids', () => {
    const oldKey = key('old');
    const newKey = key('new');
    const sealed = encryptPayload(frame, { x: 1 }, oldKey);
    expect(decryptPayload(frame, sealed, [newKey, oldKey])).toEqual({ x: 1 });
    expect(() => decryptPayload(frame, sealed, [newKey])).toThrow(/unknown key id "old"/);
  });

  it('fails with DECRYPTION_FAILED on a flipped bit, a moved ciphertext, a bad tag or a bad shape', () => {
    const k = key('k1');
    const sealed = encryptPayload(frame, { x: 1 }, k);
    const data = fromBase64Url(sealed.data);
    data[0] ^= 1;
    const expectFail = (fn: () => unknown, message: RegExp) => {
      try {
        fn();
        throw new Error('expected a failure');
      } catch (err) {
        expect(err).toMatchObject({ code: 'DECRYPTION_FAILED', status: 400 });
        expect((err as Error).message).toMatch(message);
      }
    };
    expectFail(() => decryptPayload(frame, { ...sealed, data: data.toString('base64url') }, [k]), /authentication tag/);
    expectFail(() => decryptPayload({ ...frame, id: 'r-2' }, sealed, [k]), /authentication tag/);
    expectFail(() => decryptPayload({ ...frame, command: 'auth/logout' }, sealed, [k]), /authentication tag/);
    expectFail(() => decryptPayload(frame, { ...sealed, tag: sealed.tag.slice(0, 10) }, [k]), /tag/);
    expectFail(() => decryptPayload(frame, { ...sealed, iv: '!!' }, [k]), /base64url/);
    expectFail(() => decryptPayload(frame, { ...sealed, enc: 'aes-128-cbc' }, [k]), /"enc" must be/);
    expectFail(() => decryptPayload(frame, { enc: 'aes-256-gcm', kid: 'k1' }, [k]), /"iv" must be a string/);
  });

  it('parses PAYLOAD_KEYS (standard or url base64) and explains bad ones', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const keys = parsePayloadKeys(`k2:${a.toString('base64')}, k1:${b.toString('base64url')}`);
    expect(keys.map((k) => k.kid)).toEqual(['k2', 'k1']);
    expect(keys[0].key.equals(a)).toBe(true);
    expect(keys[1].key.equals(b)).toBe(true);
    expect(() => parsePayloadKeys(`k1:${randomBytes(16).toString('base64')}`)).toThrow(/16 bytes; AES-256 needs exactly 32/);
    expect(() => parsePayloadKeys('nokid')).toThrow(/kid:base64key/);
    expect(() => parsePayloadKeys(`k1:${a.toString('base64')},k1:${b.toString('base64')}`)).toThrow(/twice/);
  });
});

describe('security config', () => {
  const k32 = randomBytes(32).toString('base64');
  it('defaults to signatures off, no encryption, generous rate limits', () => {
    const cfg = securityConfig.parse({});
    expect(cfg.signature.mode).toBe('off');
    expect(cfg.encryption).toEqual({ mode: 'none', keys: [] });
    expect(cfg.rateLimit.connection).toEqual({ ratePerSecond: 100, burst: 200 });
    expect(cfg.rateLimit.floodStrikes).toBe(50);
  });

  it('requires a key for verify/require and keys for encryption, without echoing secrets', () => {
    expect(() => securityConfig.parse({ SIGNATURE_MODE: 'require' })).toThrow(/SIGNING_KEY=\(unset\): must be set when SIGNATURE_MODE=require/);
    expect(() => securityConfig.parse({ SIGNATURE_MODE: 'verify', SIGNING_KEY: 'short-secret' })).toThrow(/SIGNING_KEY=\(hidden\): must be at least 32 bytes/);
    expect(() => securityConfig.parse({ SIGNATURE_MODE: 'verify', SIGNING_KEY: 'short-secret' })).not.toThrow(/short-secret/);
    expect(() => securityConfig.parse({ PAYLOAD_ENCRYPTION: 'aes-256-gcm' })).toThrow(/PAYLOAD_KEYS=\(unset\)/);
    const short = randomBytes(16).toString('base64');
    expect(() => securityConfig.parse({ PAYLOAD_ENCRYPTION: 'aes-256-gcm', PAYLOAD_KEYS: `k:${short}` })).toThrow(/PAYLOAD_KEYS=\(hidden\): key "k" decodes to 16 bytes/);
    expect(() => securityConfig.parse({ PAYLOAD_ENCRYPTION: 'aes-256-gcm', PAYLOAD_KEYS: `k:${short}` })).not.toThrow(short);
    expect(() => securityConfig.parse({ SIGNATURE_MODE: 'sometimes' })).toThrow(/SIGNATURE_MODE="sometimes": must be one of off, verify, require/);
    expect(securityConfig.parse({ PAYLOAD_ENCRYPTION: 'aes-256-gcm', PAYLOAD_KEYS: `k:${k32}` }).encryption.keys[0].kid).toBe('k');
  });

  it('0 disables a bucket; a burst below the rate is raised to the rate', () => {
    const cfg = securityConfig.parse({ RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '10', RATE_LIMIT_USER_BURST: '2' });
    expect(cfg.rateLimit.connection).toBeUndefined();
    expect(cfg.rateLimit.user).toEqual({ ratePerSecond: 10, burst: 10 });
  });
});

describe('token bucket', () => {
  it('allows a burst, then refills at the rate and reports the wait', () => {
    const b = new TokenBucket({ ratePerSecond: 10, burst: 3 }, 0);
    for (let i = 0; i < 3; i++) {
      expect(b.waitMs(0)).toBe(0);
      b.consume();
    }
    expect(b.waitMs(0)).toBe(100);
    expect(b.waitMs(50)).toBe(50);
    expect(b.waitMs(100)).toBe(0);
    b.consume();
    expect(b.isFull(100)).toBe(false);
    expect(b.isFull(1000)).toBe(true);
  });
});

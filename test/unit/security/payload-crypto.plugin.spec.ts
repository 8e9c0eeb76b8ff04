import { randomBytes } from 'node:crypto';
import { PayloadCryptoPlugin } from '../../../src/common/security/payload-crypto.plugin';
import { securityConfig } from '../../../src/config/security.config';
import { Envelope } from '../../../src/shared/protocol';
import { checkSignature, decryptPayload, isEncryptedPayload } from '../../../src/shared/protocol/crypto';
import type { Connection } from '../../../src/transport/connection';

const conn = { attributes: new Map() } as unknown as Connection;
const KEYS = `k1:${randomBytes(32).toString('base64')}`;
const SIGNING_KEY = randomBytes(32).toString('hex');

function plugin(env: Record<string, string>) {
  const config = securityConfig.parse(env);
  return { plugin: new PayloadCryptoPlugin(config), keys: config.encryption.keys };
}

const frame = (payload: Record<string, unknown>): Envelope => ({ id: 'e-1', type: 'event', timestamp: 1700000000, command: 'x/y', payload });

describe('PayloadCryptoPlugin outbound', () => {
  it('signs then encrypts, without mutating the shared payload object', () => {
    const { plugin: p, keys } = plugin({ PAYLOAD_ENCRYPTION: 'aes-256-gcm', PAYLOAD_KEYS: KEYS, SIGNATURE_MODE: 'require', SIGNING_KEY });
    const payload = { status: 200, text: 'hi' };
    const f = frame(payload);
    p.onOutbound(conn, f);
    expect(payload).toEqual({ status: 200, text: 'hi' });
    expect(isEncryptedPayload(f.payload)).toBe(true);
    const opened = { ...f, payload: decryptPayload(f, f.payload, keys) };
    expect(opened.payload).toMatchObject(payload);
    expect(opened.headers?.signature_version).toBe('2');
    expect(checkSignature(opened, SIGNING_KEY, 's2c')).toBe('valid');
    expect(p.encryptions.get('k1')).toBe(1);
  });

  it('encrypts a plaintext payload that happens to have an "enc" member, and never seals one frame object twice', () => {
    const { plugin: p, keys } = plugin({ PAYLOAD_ENCRYPTION: 'aes-256-gcm', PAYLOAD_KEYS: KEYS });
    const f = frame({ enc: 'looks-encrypted', secret: 's3cret' });
    p.onOutbound(conn, f);
    expect(JSON.stringify(f.payload)).not.toContain('s3cret');
    const sealedOnce = f.payload;
    p.onOutbound(conn, f);
    expect(f.payload).toBe(sealedOnce);
    expect(decryptPayload(f, f.payload, keys)).toEqual({ enc: 'looks-encrypted', secret: 's3cret' });
  });

  it('signs one shared frame once per signing form: v2 by default, v1 for a connection whose client signs v1', () => {
    const { plugin: p } = plugin({ SIGNATURE_MODE: 'require', SIGNING_KEY, SIGNATURE_MIN_VERSION: '1' });
    const legacy = { attributes: new Map([['security.signatureVersion', 1]]) } as unknown as Connection;
    const f = frame({ status: 200 });
    p.onOutbound(conn, f);
    const v2 = { ...f };
    p.onOutbound(legacy, f);
    const v1 = { ...f };
    p.onOutbound(conn, f);
    expect(f.payload).toBe(v2.payload);
    expect(v2.headers?.signature_version).toBe('2');
    expect(checkSignature(v2, SIGNING_KEY, 's2c')).toBe('valid');
    expect(v1.headers?.signature_version).toBeUndefined();
    expect(checkSignature(v1, SIGNING_KEY, 's2c')).toBe('valid');
    expect(v1.payload.signature).not.toBe(v2.payload.signature);
  });

  it('leaves frames alone when signatures and encryption are off', () => {
    const { plugin: p } = plugin({});
    const payload = { status: 200 };
    const f = frame(payload);
    p.onOutbound(conn, f);
    expect(f.payload).toBe(payload);
  });
});

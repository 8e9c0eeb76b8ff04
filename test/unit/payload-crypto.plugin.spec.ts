import { randomBytes } from 'node:crypto';
import { PayloadCryptoPlugin } from '../../src/common/security/payload-crypto.plugin';
import { securityConfig } from '../../src/config/security.config';
import { Envelope } from '../../src/shared/protocol';
import { checkSignature, decryptPayload, isEncryptedPayload } from '../../src/shared/protocol/crypto';
import type { Connection } from '../../src/transport/connection';

const conn = {} as Connection;
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
    expect(checkSignature(opened, SIGNING_KEY)).toBe('valid');
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

  it('leaves frames alone when signatures and encryption are off', () => {
    const { plugin: p } = plugin({});
    const payload = { status: 200 };
    const f = frame(payload);
    p.onOutbound(conn, f);
    expect(f.payload).toBe(payload);
  });
});

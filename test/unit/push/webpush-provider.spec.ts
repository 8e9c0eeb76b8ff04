/**
 * Web Push provider against a local push service: the request is checked exactly — path, the
 * RFC 8030 headers (TTL, Urgency, Topic), the VAPID Authorization (RFC 8292: the JWT's claims
 * and its ES256 signature verified with jose against the public key in `k=`), and the body,
 * decrypted here with the subscription's private key as RFC 8291 / RFC 8188 describe — and the
 * answers are read right: 201 accepted, 404/410 dead subscription, 429 with Retry-After, 5xx.
 * SSRF: an endpoint on a private or loopback address is refused unless explicitly allowed.
 */
import { createDecipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import webpush from 'web-push';
import { WebPushProvider } from '../../../src/modules/push/providers/webpush.provider';
import type { PushNotification } from '../../../src/modules/push/providers/push-provider';
import { PushServer, startPushServer } from '../../support/push-servers';


const vapid = webpush.generateVAPIDKeys();
const SUBJECT = 'mailto:ops@example.com';

function notification(over: Partial<PushNotification> = {}): PushNotification {
  return {
    id: 'n1',
    userId: 'u-1',
    conversationId: 'g-1',
    seq: 7,
    messageId: 'm-1',
    senderId: 'u-2',
    pending: 2,
    mention: false,
    badge: 9,
    title: 'Alice',
    body: '2 new messages',
    collapseKey: 'g-1',
    ...over,
  };
}

/** A browser's side of a subscription: its ECDH key pair and auth secret. */
function browser(endpoint: string) {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  const token = JSON.stringify({ endpoint, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } });
  /** RFC 8291 §3.4 + RFC 8188: one aes128gcm record. */
  const decrypt = (body: Buffer): string => {
    const salt = body.subarray(0, 16);
    const rs = body.readUInt32BE(16);
    const idlen = body[20];
    const serverKey = body.subarray(21, 21 + idlen);
    const ciphertext = body.subarray(21 + idlen);
    expect(rs).toBeGreaterThanOrEqual(ciphertext.length);
    const secret = ecdh.computeSecret(serverKey);
    const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ecdh.getPublicKey(), serverKey]);
    const ikm = Buffer.from(hkdfSync('sha256', secret, auth, keyInfo, 32));
    const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
    const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
    const plain = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
    // Last record: content, then the delimiter 0x02, then zero padding.
    const end = plain.lastIndexOf(2);
    expect(plain.subarray(end + 1).every((b) => b === 0)).toBe(true);
    return plain.subarray(0, end).toString('utf8');
  };
  return { token, decrypt };
}

describe('Web Push provider (RFC 8030 + VAPID + RFC 8291)', () => {
  let service: PushServer;
  let provider: WebPushProvider;

  beforeAll(async () => {
    service = await startPushServer(() => ({ status: 201 }));
    provider = new WebPushProvider({ publicKey: vapid.publicKey, privateKey: vapid.privateKey, subject: SUBJECT, timeoutMs: 5000, allowPrivate: true });
  });
  afterAll(() => service.close());

  it('sends an encrypted, VAPID-signed push the push service accepts (201)', async () => {
    const b = browser(`${service.url}/push/v2/sub-abc`);
    expect(await provider.checkToken(b.token)).toBeUndefined();
    expect(await provider.send({ token: b.token, appId: null, locale: null }, notification({ mention: true }))).toEqual({ ok: true });
    const r = service.requests.at(-1)!;
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/push/v2/sub-abc');
    expect(r.headers).toMatchObject({ ttl: '86400', urgency: 'high', 'content-encoding': 'aes128gcm', 'content-type': 'application/octet-stream' });
    expect(r.headers.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    // VAPID: "vapid t=<JWT>, k=<public key>"; the JWT is ES256, signed by our key, for this origin.
    const auth = /^vapid t=([^,]+), k=([A-Za-z0-9_-]+)$/.exec(r.headers.authorization as string)!;
    expect(auth).not.toBeNull();
    expect(auth[2]).toBe(vapid.publicKey);
    const point = Buffer.from(auth[2], 'base64url');
    const key = await importJWK({ kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, 'ES256');
    expect(decodeProtectedHeader(auth[1])).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    const { payload } = await jwtVerify(auth[1], key, { audience: service.url });
    expect(payload.sub).toBe(SUBJECT);
    expect(payload.exp! - Date.now() / 1000).toBeGreaterThan(60);
    expect(payload.exp! - Date.now() / 1000).toBeLessThanOrEqual(24 * 3600);
    // The body decrypts with the browser's key to what the service worker shows and syncs from.
    expect(JSON.parse(b.decrypt(r.body))).toEqual({ id: 'n1', conversation_id: 'g-1', seq: 7, message_id: 'm-1', sender_id: 'u-2', pending: 2, mention: true, badge: 9, title: 'Alice', body: '2 new messages' });
    // Same conversation, same Topic (the push service replaces an undelivered one); another, another.
    await provider.send({ token: b.token, appId: null, locale: null }, notification());
    await provider.send({ token: b.token, appId: null, locale: null }, notification({ collapseKey: 'g-2' }));
    const [, second, third] = service.requests.slice(-3);
    expect(second.headers.topic).toBe(r.headers.topic);
    expect(third.headers.topic).not.toBe(r.headers.topic);
    expect(second.headers.urgency).toBe('normal');
  });

  it('reads 404/410 as a dead subscription, 429 with its Retry-After and 5xx as retryable, other 4xx as final', async () => {
    const b = browser(`${service.url}/push/x`);
    const target = { token: b.token, appId: null, locale: null };
    service.script({ status: 410 }, { status: 404 }, { status: 429, headers: { 'retry-after': '7' } }, { status: 502 }, { status: 413 });
    expect(await provider.send(target, notification())).toMatchObject({ ok: false, reason: 'dead-token', retryable: false });
    expect(await provider.send(target, notification())).toMatchObject({ ok: false, reason: 'dead-token', retryable: false });
    expect(await provider.send(target, notification())).toMatchObject({ ok: false, reason: 'rate-limited', retryable: true, retryAfterMs: 7000 });
    expect(await provider.send(target, notification())).toMatchObject({ ok: false, reason: 'provider-error', retryable: true });
    expect(await provider.send(target, notification())).toMatchObject({ ok: false, reason: 'rejected', retryable: false });
  });

  it('refuses malformed subscriptions and, unless allowed, endpoints on private or loopback addresses', async () => {
    const strict = new WebPushProvider({ publicKey: vapid.publicKey, privateKey: vapid.privateKey, subject: SUBJECT, timeoutMs: 5000, allowPrivate: false });
    expect(await strict.checkToken('not json')).toMatch(/PushSubscription as JSON/);
    expect(await strict.checkToken(JSON.stringify({ endpoint: 'https://push.example.com/x' }))).toMatch(/keys.p256dh/);
    for (const endpoint of ['https://127.0.0.1/p', 'https://10.1.2.3/p', 'https://[::1]/p', 'https://169.254.169.254/latest', 'https://192.168.0.10/p', 'http://push.example.com/p', 'https://localhost/p']) {
      expect(await strict.checkToken(browser(endpoint).token)).toMatch(/endpoint refused/);
    }
    // Sending to one anyway (a subscription stored before the rule) fails for good, without a request.
    const before = service.requests.length;
    expect(await strict.send({ token: browser(`${service.url}/push/y`).token, appId: null, locale: null }, notification())).toMatchObject({ ok: false, reason: 'unsafe-url', retryable: false });
    expect(service.requests.length).toBe(before);
  });
});

/**
 * APNs provider against a local HTTP/2 TLS server (certificate from a throwaway CA made with the
 * openssl CLI): POST /3/device/<token> with the apns-* headers, the provider JWT's header and
 * claims verified with jose (ES256, kid, iss = team) against the .p8 key's public half, the
 * aps body; answers 200, 410 Unregistered / 400 BadDeviceToken (dead token), 429, 5xx and 403
 * ExpiredProviderToken (minted again). One HTTP/2 connection serves many pushes.
 */
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { ApnsProvider, apnsId } from '../../../src/modules/push/providers/apns.provider';
import type { PushNotification } from '../../../src/modules/push/providers/push-provider';
import { generatePki, hasOpenssl, TestPki } from '../../support/security-helpers';

if (!hasOpenssl()) throw new Error('the APNs spec needs the openssl CLI on PATH to generate test certificates');

interface Seen {
  headers: http2.IncomingHttpHeaders;
  body: string;
  session: http2.Http2Session;
}

const n: PushNotification = {
  id: 'nid-7',
  userId: 'u-1',
  conversationId: 'g-1',
  seq: 3,
  messageId: 'm-3',
  senderId: 'u-2',
  pending: 2,
  mention: false,
  badge: 11,
  title: 'Alice',
  body: '2 new messages',
  collapseKey: 'g-1',
};
const DEVICE = 'a'.repeat(64);

describe('APNs provider (token auth over HTTP/2)', () => {
  let pki: TestPki;
  let server: http2.Http2SecureServer;
  let provider: ApnsProvider;
  const seen: Seen[] = [];
  const script: { status: number; body?: string; headers?: Record<string, string> }[] = [];
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

  beforeAll(async () => {
    pki = generatePki();
    server = http2.createSecureServer({ cert: fs.readFileSync(pki.serverCert), key: fs.readFileSync(pki.serverKey) });
    server.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        seen.push({ headers, body: Buffer.concat(chunks).toString('utf8'), session: stream.session! });
        const answer = script.shift() ?? { status: 200 };
        stream.respond({ ':status': answer.status, 'apns-id': headers['apns-id'] as string, ...(answer.headers ?? {}) });
        stream.end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const keyFile = path.join(pki.dir, 'AuthKey_ABC123DEFG.p8');
    fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    provider = new ApnsProvider({
      keyFile,
      keyId: 'ABC123DEFG',
      teamId: 'TEAM123456',
      topic: 'com.example.chat',
      endpoint: `https://localhost:${(server.address() as AddressInfo).port}`,
      caFile: pki.caCert,
      timeoutMs: 5000,
      allowPrivate: true,
    });
  });
  afterAll(async () => {
    provider?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    pki?.cleanup();
  });

  it('sends an alert with the apns headers and a valid provider token; one connection for several pushes', async () => {
    expect(await provider.checkToken(DEVICE)).toBeUndefined();
    expect(await provider.checkToken('not-hex')).toMatch(/hexadecimal/);
    expect(await provider.send({ token: DEVICE, appId: null, locale: null }, n)).toEqual({ ok: true });
    expect(await provider.send({ token: DEVICE, appId: 'com.example.other', locale: null }, { ...n, mention: true })).toEqual({ ok: true });
    const [first, second] = seen;
    expect(first.headers).toMatchObject({
      ':method': 'POST',
      ':path': `/3/device/${DEVICE}`,
      'apns-topic': 'com.example.chat',
      'apns-push-type': 'alert',
      'apns-priority': '5',
      'apns-collapse-id': 'g-1',
      'apns-id': apnsId('nid-7'),
      'content-type': 'application/json',
    });
    expect(first.headers['apns-id']).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    expect(Number(first.headers['apns-expiration']) - Date.now() / 1000).toBeGreaterThan(3600);
    const jwt = /^bearer (.+)$/.exec(first.headers.authorization as string)![1];
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'ES256', kid: 'ABC123DEFG' });
    const { payload } = await jwtVerify(jwt, publicKey, { issuer: 'TEAM123456' });
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(60);
    expect(JSON.parse(first.body)).toEqual({
      aps: { alert: { title: 'Alice', body: '2 new messages' }, badge: 11, sound: 'default', 'thread-id': 'g-1' },
      conversation_id: 'g-1',
      seq: 3,
      message_id: 'm-3',
      sender_id: 'u-2',
      pending: 2,
      mention: false,
      notification_id: 'nid-7',
    });
    expect(second.headers).toMatchObject({ 'apns-topic': 'com.example.other', 'apns-priority': '10', authorization: first.headers.authorization });
    expect(second.session).toBe(first.session);
    expect(provider.stats).toMatchObject({ sessions: 1, tokensMinted: 1 });
  });

  it('reads 410 and BadDeviceToken as dead, 429/5xx as retryable, ExpiredProviderToken as a token to mint again', async () => {
    const target = { token: DEVICE, appId: null, locale: null };
    script.push({ status: 410, body: JSON.stringify({ reason: 'Unregistered', timestamp: Date.now() }) });
    expect(await provider.send(target, n)).toMatchObject({ ok: false, reason: 'dead-token', retryable: false });
    script.push({ status: 400, body: JSON.stringify({ reason: 'BadDeviceToken' }) });
    expect(await provider.send(target, n)).toMatchObject({ ok: false, reason: 'dead-token', retryable: false });
    script.push({ status: 429, body: JSON.stringify({ reason: 'TooManyRequests' }), headers: { 'retry-after': '5' } });
    expect(await provider.send(target, n)).toMatchObject({ ok: false, reason: 'rate-limited', retryable: true, retryAfterMs: 5000 });
    script.push({ status: 503, body: JSON.stringify({ reason: 'ServiceUnavailable' }) });
    expect(await provider.send(target, n)).toMatchObject({ ok: false, reason: 'provider-error', retryable: true });
    script.push({ status: 400, body: JSON.stringify({ reason: 'PayloadTooLarge' }) });
    expect(await provider.send(target, n)).toMatchObject({ ok: false, reason: 'rejected', retryable: false });
    script.push({ status: 403, body: JSON.stringify({ reason: 'ExpiredProviderToken' }) });
    expect(await provider.send(target, n)).toMatchObject({ ok: false, reason: 'provider-error', retryable: true });
    expect(await provider.send(target, n)).toEqual({ ok: true });
    expect(provider.stats.tokensMinted).toBe(2);
  });
});

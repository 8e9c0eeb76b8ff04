/**
 * FCM HTTP v1 provider against a local server playing both Google endpoints: the OAuth2 token
 * exchange (the JWT bearer assertion's header, claims and RS256 signature verified with jose
 * against the service account's public key) and messages:send (path, bearer token, body). The
 * access token is cached until it expires and minted again when FCM refuses it; answers:
 * 200, 404 UNREGISTERED (dead token), 429 with Retry-After, 5xx, 400.
 */
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { FCM_SCOPE, FcmProvider } from '../../../src/modules/push/providers/fcm.provider';
import type { PushNotification } from '../../../src/modules/push/providers/push-provider';
import { PushServer, RecordedRequest, startPushServer } from '../../support/push-servers';

const n: PushNotification = {
  id: 'nid-1',
  userId: 'u-1',
  conversationId: 'g-1',
  seq: 12,
  messageId: 'm-9',
  senderId: 'u-2',
  senderName: 'Alice',
  pending: 1,
  mention: true,
  badge: 4,
  title: 'Alice',
  body: 'hello',
  collapseKey: 'g-1',
};

describe('FCM HTTP v1 provider', () => {
  let google: PushServer;
  let provider: FcmProvider;
  let dir: string;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let issued = 0;
  const isToken = (r: RecordedRequest) => r.path === '/token';
  const isSend = (r: RecordedRequest) => r.path.startsWith('/v1/');

  beforeAll(async () => {
    google = await startPushServer((r) => (isToken(r) ? { status: 200, body: JSON.stringify({ access_token: `ya29.token-${++issued}`, expires_in: 3599, token_type: 'Bearer' }) } : { status: 200, body: JSON.stringify({ name: 'projects/demo-project/messages/1' }) }));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-fcm-'));
    const credentials = path.join(dir, 'service-account.json');
    fs.writeFileSync(
      credentials,
      JSON.stringify({
        type: 'service_account',
        project_id: 'demo-project',
        private_key_id: 'key-id-1',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
        client_email: 'push@demo-project.iam.gserviceaccount.com',
        token_uri: `${google.url}/token`,
      }),
    );
    provider = new FcmProvider({ credentialsFile: credentials, endpoint: google.url, timeoutMs: 5000, allowPrivate: true });
  });
  afterAll(async () => {
    await google.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('mints an access token with a signed JWT bearer assertion, caches it, and sends the v1 message', async () => {
    const target = { token: 'fcm-device-token:abc', appId: 'com.example.chat', locale: null };
    expect(await provider.send(target, n)).toEqual({ ok: true });
    expect(await provider.send(target, { ...n, mention: false, test: true })).toEqual({ ok: true });
    const tokens = google.requests.filter(isToken);
    expect(tokens).toHaveLength(1); // cached for the second send
    const t = tokens[0];
    expect(t.method).toBe('POST');
    expect(t.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(t.body.toString('utf8'));
    expect([...form.keys()].sort()).toEqual(['assertion', 'grant_type']);
    expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const assertion = form.get('assertion')!;
    expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'key-id-1' });
    const { payload } = await jwtVerify(assertion, publicKey, { issuer: 'push@demo-project.iam.gserviceaccount.com', audience: `${google.url}/token` });
    expect(payload.scope).toBe(FCM_SCOPE);
    expect(payload.exp! - payload.iat!).toBe(3600);

    const [first, second] = google.requests.filter(isSend);
    expect(first.method).toBe('POST');
    expect(first.path).toBe('/v1/projects/demo-project/messages:send');
    expect(first.headers.authorization).toBe('Bearer ya29.token-1');
    expect(second.headers.authorization).toBe('Bearer ya29.token-1');
    expect(first.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(JSON.parse(first.body.toString('utf8'))).toEqual({
      message: {
        token: 'fcm-device-token:abc',
        notification: { title: 'Alice', body: 'hello' },
        data: { conversation_id: 'g-1', seq: '12', message_id: 'm-9', sender_id: 'u-2', pending: '1', mention: 'true', badge: '4', notification_id: 'nid-1' },
        android: { collapse_key: 'g-1', priority: 'HIGH', notification: { tag: 'g-1', notification_count: 4 }, restricted_package_name: 'com.example.chat' },
      },
    });
    expect(JSON.parse(second.body.toString('utf8')).message).toMatchObject({ data: { mention: 'false', test: 'true' }, android: { priority: 'NORMAL' } });
  });

  it('reads UNREGISTERED as a dead token, 429 with Retry-After and 5xx as retryable, 401 as a token to mint again', async () => {
    const target = { token: 'tok', appId: null, locale: null };
    const error = (status: number, code: string, errorCode?: string) => ({
      status,
      body: JSON.stringify({ error: { code: status, status: code, message: 'x', details: errorCode ? [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }] : [] } }),
    });
    google.script(error(404, 'NOT_FOUND', 'UNREGISTERED'));
    expect(await provider.send(target, n)).toMatchObject({ ok: false, reason: 'dead-token', retryable: false });
    google.script({ ...error(429, 'RESOURCE_EXHAUSTED', 'QUOTA_EXCEEDED'), headers: { 'retry-after': '30' } });
    expect(await provider.send(target, n)).toMatchObject({ ok: false, reason: 'rate-limited', retryable: true, retryAfterMs: 30_000 });
    google.script(error(503, 'UNAVAILABLE', 'UNAVAILABLE'));
    expect(await provider.send(target, n)).toMatchObject({ ok: false, reason: 'provider-error', retryable: true });
    google.script(error(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT'));
    expect(await provider.send(target, n)).toMatchObject({ ok: false, reason: 'rejected', retryable: false });
    const minted = provider.stats.tokensMinted;
    google.script(error(401, 'UNAUTHENTICATED'));
    expect(await provider.send(target, n)).toMatchObject({ ok: false, reason: 'provider-error', retryable: true });
    expect(await provider.send(target, n)).toEqual({ ok: true });
    expect(provider.stats.tokensMinted).toBe(minted + 1);
    expect(google.requests.filter(isSend).at(-1)!.headers.authorization).toBe(`Bearer ya29.token-${issued}`);
  });
});

// A real OpenID Provider (the ESM-only `oidc-provider` package) in its own Node process, for the
// identity specs (test/support/oidc-provider.ts starts it): Jest on Node 20 cannot load ESM
// packages, plain Node can. Listens on a free loopback port; prints one JSON line
// {issuer, key} (key: the current private signing JWK, so the spec can mint tokens with it) and
// then answers JSON commands on stdin, one per line: {"cmd":"addAccount","account":{...}},
// {"cmd":"rotate"} (new signing key; the answer carries it).
import * as http from 'node:http';
import { createInterface } from 'node:readline';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

const [clientId, clientSecret] = process.argv.slice(2);
const accounts = new Map();
let kidCounter = 0;

async function newKey() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: `k${++kidCounter}-${Date.now().toString(36)}`, alg: 'RS256', use: 'sig' };
}

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;
let key = await newKey();

function build() {
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'authorization_code'],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/callback'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [key] },
    cookies: { keys: ['test-cookie-key-0123456789'] },
    features: { devInteractions: { enabled: true }, deviceFlow: { enabled: true } },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'groups'], email: ['email'] },
    conformIdTokenClaims: false,
    findAccount: (_ctx, id) => {
      const account = accounts.get(id) ?? { preferred_username: id };
      return { accountId: id, claims: () => ({ ...account, sub: id }) };
    },
  });
  // RFC 8628 lets the provider set the polling interval; this one omits it (clients assume 5 s).
  // 1 s keeps the specs quick while still exercising slow_down.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/device/auth' && ctx.body && typeof ctx.body === 'object') ctx.body.interval = 1;
  });
  return provider;
}

let provider = build();
server.on('request', (req, res) => provider.callback()(req, res));
process.stdout.write(`${JSON.stringify({ issuer, key })}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  const msg = JSON.parse(line);
  if (msg.cmd === 'addAccount') accounts.set(msg.account.sub, msg.account);
  if (msg.cmd === 'rotate') {
    key = await newKey();
    provider = build();
  }
  process.stdout.write(`${JSON.stringify({ ok: true, key })}\n`);
}
server.closeAllConnections();
server.close();

/**
 * A real OpenID Provider for the identity specs: the `oidc-provider` package (v9, ESM-only) in
 * its own Node process (oidc-provider-server.mjs: Jest on Node 20 cannot load ESM) on a free
 * loopback port, with one confidential client, the device flow and the
 * package's development interactions (any login name, any password), which `approveDevice`
 * drives over plain HTTP like a browser would. Its private signing key is handed to the spec, so it
 * can also mint tokens with them (expired, wrong audience...) and rotate them (`rotateKeys`).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { exportJWK, generateKeyPair, importJWK, JWK, SignJWT } from 'jose';

export const OIDC_CLIENT_ID = 'switchboard';
export const OIDC_CLIENT_SECRET = 'switchboard-client-secret-0123456789';

export interface OidcAccount {
  sub: string;
  preferred_username?: string;
  name?: string;
  email?: string;
  groups?: string[];
}

export interface TestOidcProvider {
  issuer: string;
  /** IDENTITY_OIDC_PROVIDERS entry for this provider, named `name`. */
  settings(name: string, extra?: Record<string, unknown>): Record<string, unknown>;
  addAccount(account: OidcAccount): Promise<void>;
  /** Signs a token with the provider's current key (or `key`), for claims the spec chooses. */
  mint(claims: Record<string, unknown>, options?: { key?: SigningKey; expiresIn?: string | number; issuedAt?: number }): Promise<string>;
  /** Replaces the provider's signing key (new kid); old tokens no longer verify. */
  rotateKeys(): Promise<void>;
  /** A key the provider never published (for forged tokens). */
  strangerKey(): Promise<SigningKey>;
  currentKey(): SigningKey;
  /** Approves a device sign-in as `accountId`, like a user in a browser (or denies it). */
  approveDevice(userCode: string, accountId: string, options?: { deny?: boolean }): Promise<void>;
  close(): Promise<void>;
}

export interface SigningKey {
  kid: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  jwk: JWK;
}

let strangerCounter = 0;
async function strangerKey(kid: string): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(privateKey)), kid: `${kid}-stranger-${++strangerCounter}` } };
}

async function importSigningKey(jwk: JWK): Promise<SigningKey> {
  return { kid: jwk.kid as string, privateKey: (await importJWK(jwk, 'RS256')) as SigningKey['privateKey'], jwk };
}

/** Starts the provider process (oidc-provider-server.mjs) and waits for its first line. */
export async function startOidcProvider(): Promise<TestOidcProvider> {
  const child = spawn(process.execPath, [path.join(__dirname, 'oidc-provider-server.mjs'), OIDC_CLIENT_ID, OIDC_CLIENT_SECRET], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const nextLine = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const onExit = () => reject(new Error(`oidc-provider process exited: ${stderr}`));
      child.once('exit', onExit);
      waiting.push((line) => {
        child.off('exit', onExit);
        resolve(JSON.parse(line) as Record<string, unknown>);
      });
    });
  const send = async (msg: Record<string, unknown>) => {
    const answer = nextLine();
    child.stdin!.write(`${JSON.stringify(msg)}\n`);
    return answer;
  };
  const hello = await nextLine();
  const issuer = hello.issuer as string;
  let key = await importSigningKey(hello.key as JWK);

  const mint: TestOidcProvider['mint'] = async (claims, options = {}) => {
    const signer = options.key ?? key;
    const jwt = new SignJWT({ ...claims }).setProtectedHeader({ alg: 'RS256', kid: signer.kid, typ: 'JWT' });
    if (!('iss' in claims)) jwt.setIssuer(issuer);
    if (!('aud' in claims)) jwt.setAudience(OIDC_CLIENT_ID);
    jwt.setIssuedAt(options.issuedAt);
    if (!('exp' in claims)) jwt.setExpirationTime(options.expiresIn ?? '5m');
    return jwt.sign(signer.privateKey);
  };

  return {
    issuer,
    settings: (name, extra = {}) => ({ name, issuer, client_id: OIDC_CLIENT_ID, client_secret: OIDC_CLIENT_SECRET, allow_http: true, ...extra }),
    addAccount: async (account) => {
      await send({ cmd: 'addAccount', account });
    },
    mint,
    rotateKeys: async () => {
      key = await importSigningKey((await send({ cmd: 'rotate' })).key as JWK);
    },
    // Same kid as the provider's real key: only the signature can tell them apart.
    strangerKey: () => strangerKey(key.kid),
    currentKey: () => key,
    approveDevice: (userCode, accountId, options = {}) => approve(issuer, userCode, accountId, options.deny === true),
    close: async () => {
      child.stdin!.end();
      await exited;
    },
  };
}

/** A minimal browser: a cookie jar, manual redirects, form posts. */
class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly origin: string) {}

  async go(path: string, form?: Record<string, string>): Promise<{ url: string; html: string }> {
    let url = new URL(path, this.origin).toString();
    let init: RequestInit = form
      ? { method: 'POST', body: new URLSearchParams(form), headers: { 'content-type': 'application/x-www-form-urlencoded' } }
      : { method: 'GET' };
    for (let hops = 0; hops < 20; hops++) {
      const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: this.cookieHeader() } });
      for (const c of response.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair.indexOf('=');
        this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        url = new URL(location, url).toString();
        init = { method: 'GET' };
        continue;
      }
      const html = await response.text();
      if (response.status >= 400) throw new Error(`${url} answered ${response.status}: ${html.slice(0, 500)}`);
      return { url, html };
    }
    throw new Error('too many redirects');
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

function hiddenInputs(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/?>/g)) out[m[1]] = m[2];
  return out;
}

async function approve(issuer: string, userCode: string, accountId: string, deny: boolean): Promise<void> {
  const browser = new Browser(issuer);
  const input = await browser.go('/device');
  const confirm = await browser.go('/device', { xsrf: hiddenInputs(input.html).xsrf, user_code: userCode });
  const fields = hiddenInputs(confirm.html);
  if (fields.confirm !== 'yes') throw new Error(`no confirmation form for user code ${userCode}: ${confirm.html.slice(0, 300)}`);
  if (deny) {
    await browser.go('/device', { xsrf: fields.xsrf, user_code: fields.user_code, abort: 'yes' });
    return;
  }
  let page = await browser.go('/device', fields);
  for (let step = 0; step < 4 && /\/interaction\//.test(page.url); step++) {
    const prompt = /name="prompt" value="(\w+)"/.exec(page.html)?.[1];
    page = await browser.go(page.url, prompt === 'login' ? { prompt: 'login', login: accountId, password: 'any' } : { prompt: 'consent' });
  }
  if (!/Sign-in Success/i.test(page.html)) throw new Error(`device approval did not succeed: ${page.url} ${page.html.slice(0, 300)}`);
}

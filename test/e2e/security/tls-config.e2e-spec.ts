/**
 * TLS settings fail closed: every incomplete, unreadable or inconsistent set of TLS_* variables
 * stops the BUILT server with exit 1 and one line naming the variable and what is missing, in
 * every environment (production included); nothing ever listens in plaintext instead. The one
 * way to keep a plaintext port next to TLS is the explicit opt-in, which is logged at start.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Env } from '../../../src/config';
import { generatePki, hasOpenssl, TestPki } from '../../support/security-helpers';
import { runServerToExit, spawnServer } from '../../support/spawn-server';
import { createTestDatabase, TestDatabase } from '../../support/test-db';

if (!hasOpenssl()) throw new Error('the TLS specs need the openssl CLI on PATH to generate test certificates');

describe('fail-closed TLS configuration (built server)', () => {
  let db: TestDatabase;
  let pki: TestPki;
  beforeAll(async () => {
    db = await createTestDatabase();
    pki = generatePki();
    fs.writeFileSync(path.join(pki.dir, 'garbage.pem'), 'not a pem file\n');
  });
  afterAll(async () => {
    pki.cleanup();
    await db.drop();
  });

  const cases: [string, (p: TestPki) => Env, string][] = [
    ['TLS_CLIENT_AUTH=require without a certificate', () => ({ TLS_CLIENT_AUTH: 'require' }),
      'Invalid configuration: TLS_CERT=(unset): must be set (with TLS_KEY) when TLS_CLIENT_AUTH is set; the server never falls back to plaintext'],
    ['TLS_CA without a certificate', (p) => ({ TLS_CA: p.caCert }),
      'Invalid configuration: TLS_CERT=(unset): must be set (with TLS_KEY) when TLS_CA is set; the server never falls back to plaintext'],
    ['TLS_PORT without a certificate', () => ({ TLS_PORT: '0' }),
      'Invalid configuration: TLS_CERT=(unset): must be set (with TLS_KEY) when TLS_PORT is set; the server never falls back to plaintext'],
    ['TLS_CERT without TLS_KEY', (p) => ({ TLS_CERT: p.serverCert }),
      'Invalid configuration: TLS_KEY=(unset): must be set when TLS_CERT is set (PEM private key of the certificate); the server never falls back to plaintext'],
    ['TLS_KEY without TLS_CERT', (p) => ({ TLS_KEY: p.serverKey }),
      'Invalid configuration: TLS_CERT=(unset): must be set when TLS_KEY is set (PEM certificate); the server never falls back to plaintext'],
    ['TLS_CERT pointing at a missing file', (p) => ({ TLS_CERT: path.join(p.dir, 'missing.crt'), TLS_KEY: p.serverKey }),
      'Invalid configuration: TLS_CERT="<dir>/missing.crt": cannot read the file (ENOENT); give the path of a readable PEM file'],
    ['TLS_KEY not a PEM key', (p) => ({ TLS_CERT: p.serverCert, TLS_KEY: path.join(p.dir, 'garbage.pem') }),
      'TLS_KEY="<dir>/garbage.pem": is not an unencrypted PEM private key'],
    ['TLS_KEY of another certificate', (p) => ({ TLS_CERT: p.serverCert, TLS_KEY: p.clientKey }),
      'TLS_KEY="<dir>/client.key": does not match the certificate in TLS_CERT'],
    ['TLS_CLIENT_AUTH=require without TLS_CA', (p) => ({ TLS_CERT: p.serverCert, TLS_KEY: p.serverKey, TLS_CLIENT_AUTH: 'require' }),
      'Invalid configuration: TLS_CA=(unset): must be set when TLS_CLIENT_AUTH=require: client certificates are verified against this CA only (never public roots)'],
    ['TLS_CLIENT_AUTH=request without TLS_CA', (p) => ({ TLS_CERT: p.serverCert, TLS_KEY: p.serverKey, TLS_CLIENT_AUTH: 'request' }),
      'Invalid configuration: TLS_CA=(unset): must be set when TLS_CLIENT_AUTH=request: client certificates are verified against this CA only (never public roots)'],
    ['TLS_CA without client authentication', (p) => ({ TLS_CERT: p.serverCert, TLS_KEY: p.serverKey, TLS_CA: p.caCert }),
      'Invalid configuration: TLS_CLIENT_AUTH=(unset): must be request or require when TLS_CA is set (TLS_CA is only used to verify client certificates)'],
    ['TLS_CA unreadable', (p) => ({ TLS_CERT: p.serverCert, TLS_KEY: p.serverKey, TLS_CA: path.join(p.dir, 'nope.crt'), TLS_CLIENT_AUTH: 'require' }),
      'TLS_CA="<dir>/nope.crt": cannot read the file (ENOENT); give the path of a readable PEM file'],
    ['TLS_PORT (plaintext kept on TCP_PORT) without the opt-in', (p) => ({ TLS_CERT: p.serverCert, TLS_KEY: p.serverKey, TLS_PORT: '0' }),
      'Invalid configuration: TLS_ALLOW_PLAINTEXT=(unset): must be true when TLS_PORT is set: TLS_PORT keeps a plaintext listener on TCP_PORT; opt in explicitly, or unset TLS_PORT to serve TLS only on TCP_PORT'],
    ['the opt-in without TLS_PORT', (p) => ({ TLS_CERT: p.serverCert, TLS_KEY: p.serverKey, TLS_ALLOW_PLAINTEXT: 'true' }),
      'Invalid configuration: TLS_PORT=(unset): must be set when TLS_ALLOW_PLAINTEXT=true (the TLS port next to the plaintext TCP_PORT)'],
  ];

  // The rules do not depend on NODE_ENV: production for every case, one case in every environment.
  it.each(cases.map(([name, env, line], i) => [name, env, line, i === 0 ? ['production', 'development', 'test'] : ['production']] as const))(
    '%s: exit 1 with one line', async (_name, env, expected, environments) => {
    for (const NODE_ENV of environments) {
      const result = await runServerToExit({ ...db.env, NODE_ENV, ...env(pki) }, 60_000);
      expect(result.code).toBe(1);
      const lines = result.stderr.filter((l) => l.trim() !== '').map((l) => l.split(pki.dir).join('<dir>'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(expected);
      expect(result.stdout.join('\n')).not.toContain('Switchboard listening');
      // No fragment of the key file ever reaches the output.
      const keyBody = fs.readFileSync(pki.serverKey, 'utf8').split('\n')[1];
      expect(result.stderr.join('\n') + result.stdout.join('\n')).not.toContain(keyBody.slice(0, 12));
    }
  }, 200_000);

  it('TLS_ALLOW_PLAINTEXT=true keeps plaintext on TCP_PORT next to TLS_PORT, and says so at start', async () => {
    const server = await spawnServer({ ...db.env, NODE_ENV: 'production', AUTH_JWT_SECRET: 'x'.repeat(40), TLS_CERT: pki.serverCert, TLS_KEY: pki.serverKey, TLS_PORT: '0', TLS_ALLOW_PLAINTEXT: 'true' }, { startTimeoutMs: 50_000 });
    try {
      expect(server.tlsPort).toBeGreaterThan(0);
      expect(server.tlsPort).not.toBe(server.tcpPort);
      expect([...server.stdout, ...server.stderr].join('\n')).toMatch(/TLS_ALLOW_PLAINTEXT=true: a plaintext listener stays open on TCP_PORT/);
    } finally {
      await server.stop('SIGTERM');
    }
  }, 60_000);
});

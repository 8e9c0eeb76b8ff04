/**
 * TLS settings are validated as a set, so that no combination starts a plaintext listener the
 * operator did not ask for (fail closed). Each rule throws one ConfigError line naming the
 * variable and what is missing. Files are read and parsed here, at start, in every environment:
 * a missing, unreadable or mismatched certificate/key stops the process instead of failing on the
 * first handshake. Error lines never include file contents (a key is a secret), only paths.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import { ConfigError } from './config.util';

export interface TlsEnv {
  TLS_CERT?: string;
  TLS_KEY?: string;
  TLS_CA?: string;
  TLS_CLIENT_AUTH?: 'none' | 'request' | 'require';
  TLS_PORT?: number;
  TLS_ALLOW_PLAINTEXT?: 'true' | 'false';
}

export interface TlsConfig {
  cert?: string;
  key?: string;
  ca?: string;
  clientAuth: 'none' | 'request' | 'require';
  /** Second (TLS) port while plaintext stays on TCP_PORT; only with allowPlaintext. */
  port?: number;
  /** The operator opted in to a plaintext listener next to TLS. */
  allowPlaintext: boolean;
}

function fail(variable: string, value: string | undefined, rule: string): never {
  throw new ConfigError(`Invalid configuration: ${variable}=${value === undefined ? '(unset)' : JSON.stringify(value)}: ${rule}`);
}

function readPem(variable: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    fail(variable, file, `cannot read the file (${code}); give the path of a readable PEM file`);
  }
}

export function validateTlsSet(env: TlsEnv): TlsConfig {
  const { TLS_CERT: cert, TLS_KEY: key, TLS_CA: ca, TLS_PORT: port } = env;
  const clientAuth = env.TLS_CLIENT_AUTH ?? 'none';
  const allowPlaintext = env.TLS_ALLOW_PLAINTEXT === 'true';

  if (cert !== undefined && key === undefined) fail('TLS_KEY', undefined, 'must be set when TLS_CERT is set (PEM private key of the certificate); the server never falls back to plaintext');
  if (key !== undefined && cert === undefined) fail('TLS_CERT', undefined, 'must be set when TLS_KEY is set (PEM certificate); the server never falls back to plaintext');
  if (cert === undefined) {
    // Any other TLS setting without a certificate means the operator expects TLS: refuse to start.
    const dependent: [string, boolean][] = [
      ['TLS_CA', ca !== undefined],
      ['TLS_CLIENT_AUTH', clientAuth !== 'none'],
      ['TLS_PORT', port !== undefined],
      ['TLS_ALLOW_PLAINTEXT', env.TLS_ALLOW_PLAINTEXT !== undefined],
    ];
    const set = dependent.find(([, isSet]) => isSet);
    if (set) fail('TLS_CERT', undefined, `must be set (with TLS_KEY) when ${set[0]} is set; the server never falls back to plaintext`);
    return { clientAuth: 'none', allowPlaintext: false };
  }
  if (clientAuth !== 'none' && ca === undefined) {
    fail('TLS_CA', undefined, `must be set when TLS_CLIENT_AUTH=${clientAuth}: client certificates are verified against this CA only (never public roots)`);
  }
  if (ca !== undefined && clientAuth === 'none') {
    fail('TLS_CLIENT_AUTH', env.TLS_CLIENT_AUTH, 'must be request or require when TLS_CA is set (TLS_CA is only used to verify client certificates)');
  }
  if (port !== undefined && !allowPlaintext) {
    fail('TLS_ALLOW_PLAINTEXT', env.TLS_ALLOW_PLAINTEXT, 'must be true when TLS_PORT is set: TLS_PORT keeps a plaintext listener on TCP_PORT; opt in explicitly, or unset TLS_PORT to serve TLS only on TCP_PORT');
  }
  if (allowPlaintext && port === undefined) {
    fail('TLS_PORT', undefined, 'must be set when TLS_ALLOW_PLAINTEXT=true (the TLS port next to the plaintext TCP_PORT)');
  }

  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(readPem('TLS_CERT', cert));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    fail('TLS_CERT', cert, 'is not a PEM X.509 certificate');
  }
  const keyPem = readPem('TLS_KEY', key!);
  let privateKey;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch {
    // The parser's message is not echoed: nothing derived from the key's bytes reaches output.
    fail('TLS_KEY', key, 'is not an unencrypted PEM private key');
  }
  if (!certificate.checkPrivateKey(privateKey)) fail('TLS_KEY', key, 'does not match the certificate in TLS_CERT');
  if (ca !== undefined) {
    try {
      new X509Certificate(readPem('TLS_CA', ca));
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      fail('TLS_CA', ca, 'is not a PEM X.509 CA certificate bundle');
    }
  }
  return { cert, key, ca, clientAuth, port: allowPlaintext ? port : undefined, allowPlaintext };
}

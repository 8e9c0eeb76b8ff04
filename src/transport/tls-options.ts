/**
 * The one place that turns TLS settings into Node `tls.createServer` options. Every TLS listener
 * (the main port, and any second port a module serves) builds its options here, so they all get
 * the same certificate, client-certificate rule and protocol policy.
 *
 * Policy (docs/protocol.md "TLS"): TLS 1.2 minimum, TLS 1.3 preferred (Node negotiates the highest
 * version both sides support), and only forward-secret AEAD suites: ECDHE key exchange for TLS 1.2
 * (no static-RSA key exchange, no CBC, no DHE), the standard TLS 1.3 suites (always ephemeral).
 */
import * as fs from 'node:fs';
import type * as net from 'node:net';
import * as tls from 'node:tls';

export type ClientAuthMode = 'none' | 'request' | 'require';

/** Plain TLS settings (file paths), as validated by the transport configuration. */
export interface TlsSettings {
  cert?: string;
  key?: string;
  ca?: string;
  clientAuth: ClientAuthMode;
}

export const TLS_MIN_VERSION: tls.SecureVersion = 'TLSv1.2';

/** TLS 1.3 suites first (preferred), then TLS 1.2 ECDHE + AEAD only. */
export const TLS_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

/** True when the settings switch a listener to TLS. */
export function tlsEnabled(settings: TlsSettings): boolean {
  return settings.cert !== undefined && settings.key !== undefined;
}

/**
 * Server options for `tls.createServer`. Reads the PEM files (call at start, not per connection).
 * `request` asks for a certificate without failing the handshake: verifyClientCertificate() then
 * refuses one that was presented but is not trusted. `require` fails the handshake without a
 * certificate from `ca`. Only `ca` is trusted for client certificates, never Node's public roots.
 */
export function buildTlsServerOptions(settings: TlsSettings, handshakeTimeoutMs: number): tls.TlsOptions {
  if (!settings.cert || !settings.key) throw new Error('buildTlsServerOptions: cert and key are required');
  return {
    cert: fs.readFileSync(settings.cert),
    key: fs.readFileSync(settings.key),
    ca: settings.ca ? fs.readFileSync(settings.ca) : undefined,
    requestCert: settings.clientAuth !== 'none',
    rejectUnauthorized: settings.clientAuth === 'require',
    minVersion: TLS_MIN_VERSION,
    ciphers: TLS_CIPHERS,
    honorCipherOrder: true,
    // The connection's idle timer only starts after the handshake: bound the handshake by the
    // same timeout instead of node's 120 s default (half-open TLS slowloris).
    handshakeTimeout: handshakeTimeoutMs,
  };
}

/** The identity of a verified client certificate, for guards (e.g. to bind a connection to a device). */
export interface ClientCertificateIdentity {
  /** Subject common name. */
  subjectCN?: string;
  /** subjectAltName as Node reports it ("DNS:a, URI:b"). */
  subjectAltName?: string;
  issuerCN?: string;
  serialNumber: string;
  /** SHA-256 fingerprint, colon-separated upper-case hex (stable id for pinning a device). */
  fingerprint256: string;
  validTo: string;
}

export type ClientCertificateCheck =
  | { ok: true; identity?: ClientCertificateIdentity }
  | { ok: false; reason: string };

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Applies the client-certificate rule to an accepted socket. Plaintext sockets and `none` pass.
 * With `request` or `require`, a certificate that was presented must chain to TLS_CA
 * (`socket.authorized`); with `require` one must be presented.
 */
export function verifyClientCertificate(socket: net.Socket, clientAuth: ClientAuthMode): ClientCertificateCheck {
  if (clientAuth === 'none' || !(socket instanceof tls.TLSSocket)) return { ok: true };
  const cert = socket.getPeerCertificate();
  const presented = !!cert && Object.keys(cert).length > 0;
  if (!presented) {
    return clientAuth === 'require' ? { ok: false, reason: 'no client certificate' } : { ok: true };
  }
  if (!socket.authorized) {
    return { ok: false, reason: `untrusted client certificate (${String(socket.authorizationError ?? 'not issued by TLS_CA')})` };
  }
  return {
    ok: true,
    identity: {
      subjectCN: firstValue(cert.subject?.CN),
      subjectAltName: cert.subjectaltname,
      issuerCN: firstValue(cert.issuer?.CN),
      serialNumber: cert.serialNumber,
      fingerprint256: cert.fingerprint256,
      validTo: cert.valid_to,
    },
  };
}

import { Logger } from '@nestjs/common';
import { createRemoteJWKSet, errors, JWTPayload, jwtVerify } from 'jose';
import { jitteredRetryAfter } from '../../infra/dependency-outage';
import { ProtocolError } from '../../shared/protocol';
import type { OidcProviderSettings } from './oidc-provider.config';

/** What the server needs from a provider's discovery document. */
interface Discovery {
  issuer: string;
  jwks_uri: string;
  token_endpoint?: string;
  device_authorization_endpoint?: string;
}

export interface OidcTimings {
  httpTimeoutMs: number;
  jwksCooldownMs: number;
  discoveryTtlMs: number;
  retryAfterMs: number;
}

/** Only asymmetric signatures: an HS256 token "signed" with the public client secret proves nothing. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export function idTokenInvalid(why: string): ProtocolError {
  return new ProtocolError('ID_TOKEN_INVALID', `id_token refused: ${why}`, 401);
}

/**
 * One OpenID provider: discovery (fetched once, cached for `discoveryTtlMs`, fetched again after a
 * failure), its JWKS through jose's createRemoteJWKSet (cached; fetched again when a token names
 * a `kid` it does not hold — key rotation — at most once per `jwksCooldownMs`), ID token and
 * logout token verification with jose's jwtVerify (never hand-rolled crypto), and the device
 * authorization grant's two HTTP calls. The provider unreachable → 503 with retry_after_ms.
 */
export class OidcIssuer {
  private readonly logger = new Logger('OidcIssuer');
  private discovery?: { doc: Promise<Discovery>; at: number };
  private jwks?: { uri: string; set: ReturnType<typeof createRemoteJWKSet> };

  constructor(
    readonly settings: OidcProviderSettings,
    private readonly timings: OidcTimings,
  ) {}

  /**
   * Verifies signature (the provider's keys), `iss`, `aud` (our client id; `azp` when several
   * audiences), `exp`, `iat` (30 s clock tolerance) and, when given, `nonce`. Returns the claims.
   */
  async verifyIdToken(token: string, nonce?: string): Promise<JWTPayload> {
    const payload = await this.verify(token, ['sub', 'iat', 'exp']);
    const aud = payload.aud;
    if (Array.isArray(aud) && aud.length > 1 && payload.azp !== this.settings.clientId) {
      throw idTokenInvalid(`several audiences and azp is not ${this.settings.clientId}`);
    }
    if (nonce !== undefined && payload.nonce !== nonce) throw idTokenInvalid('nonce does not match the nonce sent with the login');
    return payload;
  }

  /** A back-channel logout token (OIDC Back-Channel Logout 1.0 §2.6): same keys, issuer and audience. */
  async verifyLogoutToken(token: string): Promise<JWTPayload> {
    const payload = await this.verify(token, ['iat', 'jti']);
    const events = payload.events as Record<string, unknown> | undefined;
    if (typeof events !== 'object' || events === null || !('http://schemas.openid.net/event/backchannel-logout' in events)) {
      throw idTokenInvalid('not a logout token (events lacks the back-channel logout event)');
    }
    if ('nonce' in payload) throw idTokenInvalid('a logout token must not carry a nonce');
    if (typeof payload.sub !== 'string') throw idTokenInvalid('the logout token carries no sub (sid-only logout is not supported; see docs/identity.md)');
    return payload;
  }

  private async verify(token: string, requiredClaims: string[]): Promise<JWTPayload> {
    const jwks = await this.keys();
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: this.settings.issuer,
        audience: this.settings.clientId,
        algorithms: ALGORITHMS,
        requiredClaims,
        clockTolerance: 30,
      });
      return payload;
    } catch (err) {
      throw this.explain(err);
    }
  }

  private explain(err: unknown): ProtocolError {
    if (err instanceof ProtocolError) return err;
    if (err instanceof errors.JWTExpired) return idTokenInvalid('expired (exp is in the past)');
    if (err instanceof errors.JWTClaimValidationFailed) {
      if (err.claim === 'iss') return idTokenInvalid(`issuer is not ${this.settings.issuer}`);
      if (err.claim === 'aud') return idTokenInvalid(`audience does not include ${this.settings.clientId}`);
      if (err.claim === 'iat') return idTokenInvalid('issued in the future (iat)');
      return idTokenInvalid(`claim ${err.claim}: ${err.message}`);
    }
    if (err instanceof errors.JWSSignatureVerificationFailed) return idTokenInvalid("signature does not verify against the provider's keys");
    if (err instanceof errors.JWKSNoMatchingKey) return idTokenInvalid("signed with a key the provider does not publish (forged or unknown kid)");
    if (err instanceof errors.JOSEAlgNotAllowed) return idTokenInvalid('signature algorithm not allowed (asymmetric algorithms only)');
    if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return idTokenInvalid('not a well-formed signed JWT');
    if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || isNetworkError(err)) return this.unavailable(err);
    if (err instanceof errors.JOSEError) return idTokenInvalid(err.message);
    return this.unavailable(err);
  }

  /** The provider's discovery document (cached). */
  async metadata(): Promise<Discovery> {
    const now = Date.now();
    if (!this.discovery || now - this.discovery.at > this.timings.discoveryTtlMs) {
      const doc = this.fetchDiscovery();
      this.discovery = { doc, at: now };
      // A failed fetch is not cached: the next login tries again.
      doc.catch(() => {
        if (this.discovery?.doc === doc) this.discovery = undefined;
      });
    }
    return this.discovery.doc;
  }

  private async fetchDiscovery(): Promise<Discovery> {
    const url = `${this.settings.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const doc = (await this.fetchJson(url, { method: 'GET' })) as Partial<Discovery>;
    // OIDC Discovery §4.3: the document's issuer must be exactly the configured one.
    if (doc.issuer !== this.settings.issuer) throw this.unavailable(new Error(`discovery issuer ${String(doc.issuer)} is not ${this.settings.issuer}`));
    if (typeof doc.jwks_uri !== 'string') throw this.unavailable(new Error('discovery has no jwks_uri'));
    return doc as Discovery;
  }

  private async keys(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    const { jwks_uri: uri } = await this.metadata().catch((err) => {
      throw err instanceof ProtocolError ? err : this.unavailable(err);
    });
    if (this.jwks?.uri !== uri) {
      this.jwks = { uri, set: createRemoteJWKSet(new URL(uri), { timeoutDuration: this.timings.httpTimeoutMs, cooldownDuration: this.timings.jwksCooldownMs }) };
    }
    return this.jwks.set;
  }

  /** RFC 8628 §3.1-3.2: asks for a device code. */
  async deviceAuthorization(): Promise<Record<string, unknown>> {
    const meta = await this.metadata();
    if (!meta.device_authorization_endpoint) throw new ProtocolError('VALIDATION_FAILED', `provider "${this.settings.name}" does not offer the device flow`, 400);
    return this.fetchJson(meta.device_authorization_endpoint, this.tokenRequest({ scope: this.settings.scopes }));
  }

  /** RFC 8628 §3.4-3.5: one token request; answers the token response or the provider's error code. */
  async pollDeviceToken(deviceCode: string): Promise<{ id_token?: string; error?: string }> {
    const meta = await this.metadata();
    if (!meta.token_endpoint) throw this.unavailable(new Error('discovery has no token_endpoint'));
    return (await this.fetchJson(meta.token_endpoint, this.tokenRequest({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode }), true)) as {
      id_token?: string;
      error?: string;
    };
  }

  /** A form POST authenticated as our client (client_secret_basic, or client_id alone for a public client). */
  private tokenRequest(params: Record<string, string>): RequestInit {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    const body = new URLSearchParams(params);
    if (this.settings.clientSecret !== undefined) {
      const id = encodeURIComponent(this.settings.clientId);
      const secret = encodeURIComponent(this.settings.clientSecret);
      headers.authorization = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    } else body.set('client_id', this.settings.clientId);
    return { method: 'POST', headers, body };
  }

  /** JSON from the provider; 4xx bodies with an OAuth `error` are answers when `oauthErrors`. */
  private async fetchJson(url: string, init: RequestInit, oauthErrors = false): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(this.timings.httpTimeoutMs) });
    } catch (err) {
      throw this.unavailable(err);
    }
    const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (response.ok && body) return body;
    if (oauthErrors && body && typeof body.error === 'string' && response.status < 500) return body;
    throw this.unavailable(new Error(`${url} answered ${response.status}${body?.error ? ` ${String(body.error)}` : ''}`));
  }

  unavailable(err: unknown): ProtocolError {
    this.logger.warn(`OpenID provider ${this.settings.name} unavailable: ${(err as Error)?.message ?? err}`);
    const retryAfterMs = jitteredRetryAfter(this.timings.retryAfterMs);
    return new ProtocolError('UNAVAILABLE', `the identity provider "${this.settings.name}" cannot be reached; retry after retry_after_ms (${retryAfterMs} ms)`, 503, {
      retry_after_ms: retryAfterMs,
    });
  }
}

function isNetworkError(err: unknown): boolean {
  return err instanceof TypeError || (err as { name?: string })?.name === 'AbortError' || (err as { name?: string })?.name === 'TimeoutError';
}

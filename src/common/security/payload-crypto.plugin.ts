/**
 * Payload encryption and outbound signing, in the transport:
 * - inbound: an `{enc, kid, iv, data, tag}` payload is decrypted before dispatch, so guards,
 *   pipes and handlers (and the signature guard) only ever see the plaintext payload;
 * - outbound: every frame the server writes (responses, events, transport errors, and the
 *   connection-limit notice written before a connection is accepted) passes here: it is signed
 *   over its plaintext (when signatures are on; v2 "s2c" by default, or the form the client's own
 *   signed frames use), then encrypted with the current key (when encryption is on).
 * Order matters and matches the client: sign, then encrypt; decrypt, then verify.
 */
import { Injectable, Logger } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { SecurityConfig, securityConfig } from '../../config/security.config';
import { Envelope, ProtocolError } from '../../shared/protocol';
import { decryptPayload, encryptPayload, isEncryptedPayload, LATEST_SIGNATURE_VERSION, SignatureVersion, signPayload, withSignatureVersion } from '../../shared/protocol/crypto';
import type { Connection } from '../../transport/connection';
import { PluginOrder, type TransportPlugin } from '../../transport/transport-plugin';
import { SIGNATURE_VERSION_ATTRIBUTE } from './signature-version';

/** A frame's plaintext and what it was sealed into, per signing version (0 = unsigned). */
interface Sealed {
  headers: Envelope['headers'];
  payload: Record<string, unknown>;
  byVersion: Map<number, { headers: Envelope['headers']; payload: Record<string, unknown> }>;
}

/**
 * With random 96-bit IVs the chance of an IV collision stays below 2^-32 for up to 2^32
 * encryptions under one key (NIST SP 800-38D §8.3). We warn well before that bound.
 */
export const ENCRYPTIONS_PER_KEY_WARNING = 2 ** 31;

@Injectable()
export class PayloadCryptoPlugin implements TransportPlugin {
  readonly name = 'payload-crypto';
  readonly order = PluginOrder.SEAL;
  private readonly logger = new Logger('PayloadCrypto');
  /** Encryptions done per key id since start (rotation bound). */
  readonly encryptions = new Map<string, number>();
  /** Frames already signed/sealed, in case one frame object is sent to several connections. */
  private readonly sealed = new WeakMap<Envelope, Sealed>();

  constructor(@InjectConfig(securityConfig) private readonly config: SecurityConfig) {}

  onInbound(_conn: Connection, envelope: Envelope): void {
    const { mode, keys } = this.config.encryption;
    if (isEncryptedPayload(envelope.payload)) {
      if (mode === 'none') {
        throw new ProtocolError('DECRYPTION_FAILED', 'payload encryption is not enabled on this server; send the payload as a plain JSON object');
      }
      envelope.payload = decryptPayload(envelope, envelope.payload, keys);
    } else if (mode !== 'none') {
      throw new ProtocolError(
        'ENCRYPTION_REQUIRED',
        `this server only accepts encrypted payloads: send {"enc":"aes-256-gcm","kid","iv","data","tag"} (see docs/protocol.md, Security)`,
        400,
      );
    }
  }

  onOutbound(conn: Connection, frame: Envelope): void {
    const { signature, encryption } = this.config;
    if (signature.mode === 'off' && encryption.mode === 'none') return;
    // One frame object may be sent to several connections (fan-out): it is sealed once per
    // signing version and the result reused; the plaintext is kept to seal another version.
    let sealed = this.sealed.get(frame);
    if (!sealed) {
      sealed = { headers: frame.headers, payload: frame.payload, byVersion: new Map() };
      this.sealed.set(frame, sealed);
    }
    const version: SignatureVersion | 0 =
      signature.mode === 'off' || !signature.keyObject ? 0 : ((conn.attributes.get(SIGNATURE_VERSION_ATTRIBUTE) as SignatureVersion | undefined) ?? LATEST_SIGNATURE_VERSION);
    let out = sealed.byVersion.get(version);
    if (!out) {
      const headers = version === 0 ? sealed.headers : withSignatureVersion(sealed.headers, version);
      // New payload objects: the original may be shared by the frames of several connections.
      let payload = version === 0 ? sealed.payload : signPayload({ ...frame, headers, payload: sealed.payload }, signature.keyObject!, 's2c');
      if (encryption.mode !== 'none') payload = this.encrypt(frame, payload);
      out = { headers, payload };
      sealed.byVersion.set(version, out);
    }
    frame.headers = out.headers;
    frame.payload = out.payload;
  }

  private encrypt(frame: Envelope, payload: Record<string, unknown>): Record<string, unknown> {
    const key = this.config.encryption.keys[0];
    const sealed = encryptPayload(frame, payload, key) as unknown as Record<string, unknown>;
    const count = (this.encryptions.get(key.kid) ?? 0) + 1;
    this.encryptions.set(key.kid, count);
    if (count === ENCRYPTIONS_PER_KEY_WARNING) {
      this.logger.warn(`payload key "${key.kid}" has encrypted ${count} frames; rotate it (put a new key first in PAYLOAD_KEYS) before 2^32`);
    }
    return sealed;
  }
}

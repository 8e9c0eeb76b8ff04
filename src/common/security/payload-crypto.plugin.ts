/**
 * Payload encryption and outbound signing, in the transport:
 * - inbound: an `{enc, kid, iv, data, tag}` payload is decrypted before dispatch, so guards,
 *   pipes and handlers (and the signature guard) only ever see the plaintext payload;
 * - outbound: every response and event is signed over its plaintext (when signatures are on),
 *   then encrypted with the current key (when encryption is on).
 * Order matters and matches the client: sign, then encrypt; decrypt, then verify.
 */
import { Injectable, Logger } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { SecurityConfig, securityConfig } from '../../config/security.config';
import { Envelope, ProtocolError } from '../../shared/protocol';
import { decryptPayload, encryptPayload, isEncryptedPayload, signPayload } from '../../shared/protocol/crypto';
import type { Connection } from '../../transport/connection';
import { PluginOrder, type TransportPlugin } from '../../transport/transport-plugin';

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
  private readonly done = new WeakSet<Envelope>();

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

  onOutbound(_conn: Connection, frame: Envelope): void {
    // A frame object already sealed for another connection is sent as is (never re-sealed).
    // Tracked by identity, not by payload shape: a plaintext payload with an "enc" member must
    // still be encrypted.
    if (this.done.has(frame)) return;
    const { signature, encryption } = this.config;
    if (signature.mode === 'off' && encryption.mode === 'none') return;
    this.done.add(frame);
    // Assign new payload objects: the original may be shared by the frames of several connections.
    if (signature.mode !== 'off' && signature.key) frame.payload = signPayload(frame, signature.key);
    if (encryption.mode !== 'none') {
      const key = encryption.keys[0];
      frame.payload = encryptPayload(frame, frame.payload, key) as unknown as Record<string, unknown>;
      const count = (this.encryptions.get(key.kid) ?? 0) + 1;
      this.encryptions.set(key.kid, count);
      if (count === ENCRYPTIONS_PER_KEY_WARNING) {
        this.logger.warn(`payload key "${key.kid}" has encrypted ${count} frames; rotate it (put a new key first in PAYLOAD_KEYS) before 2^32`);
      }
    }
  }
}

/**
 * Checks `payload.signature` (HMAC-SHA256 over the canonical signing form, see
 * src/shared/protocol/crypto.ts) on every frame that reaches a handler, public ones included:
 * the key is pre-shared, so even auth/login is signed.
 *
 * Runs as a global guard, i.e. after the transport's payload-crypto plugin has decrypted the
 * payload: the signature is over the plaintext. Modes:
 * - off: nothing is checked;
 * - verify: unsigned frames pass; a signed frame must be valid, fresh and not replayed;
 * - require: every frame must be signed, fresh and not replayed.
 */
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { SecurityConfig, securityConfig } from '../../config/security.config';
import { ProtocolError } from '../../shared/protocol';
import { checkSignature } from '../../shared/protocol/crypto';
import { SwitchboardContext } from '../../transport/switchboard.context';
import { ReplayCache } from '../security/replay-cache';
import { assertStorablePayload } from '../pipes/protocol-validation.pipe';

@Injectable()
export class SignatureGuard implements CanActivate {
  readonly replays: ReplayCache;

  constructor(@InjectConfig(securityConfig) private readonly config: SecurityConfig) {
    this.replays = new ReplayCache(config.signature.windowSeconds * 1000);
  }

  canActivate(context: ExecutionContext): boolean {
    const { mode, key, windowSeconds } = this.config.signature;
    if (mode === 'off' || !key || context.getType() !== 'rpc') return true;
    const ctx = context.switchToRpc().getContext<unknown>();
    if (!(ctx instanceof SwitchboardContext)) return true;
    const envelope = ctx.envelope;

    // Signing canonicalizes the payload recursively: refuse hostile nesting (400) before that,
    // the same check the validation pipe applies after the guards.
    assertStorablePayload(envelope.payload);
    const result = checkSignature(envelope, key);
    if (result === 'missing') {
      if (mode === 'verify') return true;
      throw new ProtocolError('SIGNATURE_INVALID', 'payload.signature is required: HMAC-SHA256 (lowercase hex) of the canonical signing form, see docs/protocol.md (Security)');
    }
    if (result === 'invalid') {
      throw new ProtocolError('SIGNATURE_INVALID', 'payload.signature does not match: sign the canonical JSON of {command, id, payload without signature, timestamp, type} with the shared key, as lowercase hex');
    }

    // Only a correctly signed frame reaches the replay checks, so forged frames cannot fill the cache.
    const now = Date.now();
    const timestamp = envelope.timestamp;
    if (timestamp === undefined) {
      throw new ProtocolError('REPLAY_DETECTED', 'signed frames must carry "timestamp" (Unix seconds)');
    }
    const skew = Math.abs(now / 1000 - timestamp);
    if (skew > windowSeconds) {
      throw new ProtocolError('REPLAY_DETECTED', `timestamp is ${Math.round(skew)} s away from server time (allowed: ±${windowSeconds} s); check the client clock and send a fresh frame`);
    }
    if (!this.replays.remember(envelope.id, timestamp * 1000, now)) {
      throw new ProtocolError('REPLAY_DETECTED', `frame id "${envelope.id}" was already used within the last ${windowSeconds} s; use a new id for every frame`);
    }
    return true;
  }
}

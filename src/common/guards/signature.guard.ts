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
 *
 * Replay protection keeps idempotency: a request's id is reserved here and settled with the
 * request's outcome (see ReplayStore): only a success makes it final; a refusal (bad token,
 * validation, ...) releases it. Handlers that deduplicate by id themselves (`idempotent`, e.g.
 * message/send) are not kept in the cache: their retry answers the original (duplicate: true).
 */
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PATTERN_EXTRAS_METADATA } from '@nestjs/microservices/constants';
import { InjectConfig } from '../../config/config.util';
import { SecurityConfig, securityConfig } from '../../config/security.config';
import { ProtocolError } from '../../shared/protocol';
import { checkSignature, LATEST_SIGNATURE_VERSION, SIGNATURE_VERSION_HEADER, signatureVersionOf } from '../../shared/protocol/crypto';
import type { HandlerExtras } from '../../transport/switchboard.server';
import { SwitchboardContext } from '../../transport/switchboard.context';
import { assertStorablePayload } from '../pipes/protocol-validation.pipe';
import type { ReserveOutcome } from '../security/replay-cache';
import { ReplayStore } from '../security/replay-store';
import { SIGNATURE_VERSION_ATTRIBUTE } from '../security/signature-version';
import { HandlerMetadata } from './handler-metadata';

@Injectable()
export class SignatureGuard implements CanActivate {
  /** Pattern extras are set on handler methods only (@MessagePattern), never on classes. */
  private readonly extras: HandlerMetadata<HandlerExtras>;

  constructor(
    @InjectConfig(securityConfig) private readonly config: SecurityConfig,
    reflector: Reflector,
    readonly replays: ReplayStore,
  ) {
    this.extras = new HandlerMetadata(reflector, PATTERN_EXTRAS_METADATA);
  }

  /** Synchronous unless a Redis round trip is needed (no promise per frame when signatures are off). */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const { mode, keyObject, windowSeconds, minVersion } = this.config.signature;
    if (mode === 'off' || !keyObject || context.getType() !== 'rpc') return true;
    const ctx = context.switchToRpc().getContext<unknown>();
    if (!(ctx instanceof SwitchboardContext)) return true;
    const envelope = ctx.envelope;

    // Signing canonicalizes the payload recursively: refuse hostile nesting (400) before that,
    // the same check the validation pipe applies after the guards.
    assertStorablePayload(envelope.payload);
    const version = signatureVersionOf(envelope);
    const result = checkSignature(envelope, keyObject, 'c2s');
    if (result === 'missing') {
      if (mode === 'verify') return true;
      throw new ProtocolError('SIGNATURE_INVALID', `payload.signature is required: HMAC-SHA256 (lowercase hex) of the canonical signing form v${LATEST_SIGNATURE_VERSION} with headers.${SIGNATURE_VERSION_HEADER}: "${LATEST_SIGNATURE_VERSION}", see docs/protocol.md (Security)`);
    }
    if (version === undefined || version < minVersion) {
      throw new ProtocolError('SIGNATURE_INVALID', `signing form ${version === undefined ? 'unknown' : `v${version}`} is not accepted: sign the v${LATEST_SIGNATURE_VERSION} form and send headers.${SIGNATURE_VERSION_HEADER}: "${LATEST_SIGNATURE_VERSION}" (docs/protocol.md, Security)`);
    }
    if (result === 'invalid') {
      throw new ProtocolError('SIGNATURE_INVALID', version === 1
        ? 'payload.signature does not match: sign the canonical JSON of {command, id, payload without signature, timestamp, type} with the shared key, as lowercase hex'
        : 'payload.signature does not match: sign the canonical JSON of {authorization, command, direction: "c2s", id, payload without signature, timestamp, type, v: 2} with the shared key, as lowercase hex');
    }
    // Outbound frames on this connection are signed in the form the client uses (negotiation).
    ctx.connection.attributes.set(SIGNATURE_VERSION_ATTRIBUTE, version);

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
    const extras = this.extras.of(context);
    if (extras?.idempotent && envelope.type === 'request') return true;
    const isRequest = envelope.type === 'request';
    const reserved = this.replays.reserve(envelope.id, timestamp * 1000, ctx.connection.id, !isRequest);
    return reserved instanceof Promise ? reserved.then((outcome) => this.admit(ctx, outcome)) : this.admit(ctx, reserved);
  }

  private admit(ctx: SwitchboardContext, outcome: ReserveOutcome): boolean {
    const { envelope } = ctx;
    const { windowSeconds } = this.config.signature;
    switch (outcome) {
      case 'reserved':
        if (envelope.type === 'request') ctx.afterResponse(() => this.replays.settle(envelope.id, (ctx.responseStatus ?? 500) < 400));
        return true;
      case 'seen':
        throw new ProtocolError('REPLAY_DETECTED', `frame id "${envelope.id}" was already used by a successful request within the last ${windowSeconds} s; use a new id for every new frame`);
      case 'in-progress':
        throw new ProtocolError('REPLAY_DETECTED', `a request with id "${envelope.id}" is still being handled; wait for its answer`);
      case 'owner-full':
        throw new ProtocolError('RATE_LIMITED', `this connection has ${this.config.signature.replayCache.maxPerConnection} signed request ids in the replay window; retry later`, 429, { retry_after_ms: windowSeconds * 1000 });
      case 'full':
        throw new ProtocolError('UNAVAILABLE', 'the replay cache is full; retry later', 503, { retry_after_ms: this.replays.retryAfterMs() });
    }
  }
}

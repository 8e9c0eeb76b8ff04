/**
 * Transport security: the signature guard (global), and the transport plugins for rate limits
 * and payload encryption/signing. Rate limits run first inbound (cheapest, before any crypto
 * work); the crypto plugin runs last outbound, where it signs and then encrypts.
 */
import { Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { SwitchboardServer } from '../../transport/switchboard.server';
import { SignatureGuard } from '../guards/signature.guard';
import { ClusterRateLimit } from './cluster-rate-limit';
import { PayloadCryptoPlugin } from './payload-crypto.plugin';
import { RateLimitPlugin } from './rate-limit.plugin';
import { ReplayStore } from './replay-store';

@Module({
  providers: [ClusterRateLimit, RateLimitPlugin, PayloadCryptoPlugin, ReplayStore, SignatureGuard, { provide: APP_GUARD, useExisting: SignatureGuard }],
  exports: [ClusterRateLimit, RateLimitPlugin, PayloadCryptoPlugin, SignatureGuard, ReplayStore],
})
export class SecurityModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly server: SwitchboardServer,
    private readonly rateLimit: RateLimitPlugin,
    private readonly payloadCrypto: PayloadCryptoPlugin,
  ) {}

  onModuleInit(): void {
    // Registered on init, i.e. before the crypto plugin: a refused frame costs no decryption.
    // Skipped entirely when every bucket is disabled.
    if (this.rateLimit.enabled) this.server.use(this.rateLimit);
  }

  /**
   * The crypto plugin is registered after every module's onModuleInit, so it is the LAST outbound
   * transform: metrics and request logs registered by other modules see plaintext payloads, and
   * what leaves the socket is sealed. It always runs: with encryption off it still refuses an
   * encrypted payload with a clear error instead of handing ciphertext to a handler.
   */
  onApplicationBootstrap(): void {
    this.server.use(this.payloadCrypto);
  }
}

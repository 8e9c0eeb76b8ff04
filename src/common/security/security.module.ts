/**
 * Transport security: the signature guard (global), and the transport plugins for rate limits
 * and payload encryption/signing. Plugins are registered in dependency order: rate limits first
 * (cheapest, before any crypto work), then decryption; outbound, signing happens before encryption
 * inside the one crypto plugin.
 */
import { Module, OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { SwitchboardServer } from '../../transport/switchboard.server';
import { SignatureGuard } from '../guards/signature.guard';
import { PayloadCryptoPlugin } from './payload-crypto.plugin';
import { RateLimitPlugin } from './rate-limit.plugin';

@Module({
  providers: [RateLimitPlugin, PayloadCryptoPlugin, SignatureGuard, { provide: APP_GUARD, useExisting: SignatureGuard }],
  exports: [RateLimitPlugin, PayloadCryptoPlugin, SignatureGuard],
})
export class SecurityModule implements OnModuleInit {
  constructor(
    private readonly server: SwitchboardServer,
    private readonly rateLimit: RateLimitPlugin,
    private readonly payloadCrypto: PayloadCryptoPlugin,
  ) {}

  onModuleInit(): void {
    // Rate limiting is skipped entirely when every bucket is disabled. The crypto plugin always
    // runs: with encryption off it still refuses an encrypted payload with a clear error instead
    // of handing ciphertext to a handler (a property check per frame).
    if (this.rateLimit.enabled) this.server.use(this.rateLimit);
    this.server.use(this.payloadCrypto);
  }
}

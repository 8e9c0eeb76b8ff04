/**
 * The providers this server is configured for, built once from PUSH_* settings. A platform with
 * no credentials has no provider: push/register for it answers 400 PLATFORM_NOT_CONFIGURED.
 */
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import type { PushPlatform } from './push.dto';
import { PushConfig, pushConfig } from './push.config';
import type { PushProvider } from './providers/push-provider';
import { WebhookProvider } from './providers/webhook.provider';
import { WebPushProvider } from './providers/webpush.provider';
import { FcmProvider } from './providers/fcm.provider';
import { ApnsProvider } from './providers/apns.provider';

export type ProviderFactory = (config: PushConfig) => PushProvider | undefined;
const factories: ProviderFactory[] = [
  (c) => (c.webhook ? new WebhookProvider({ ...c.webhook, timeoutMs: c.requestTimeoutMs, allowPrivate: c.allowPrivateUrls }) : undefined),
  (c) => (c.vapid ? new WebPushProvider({ ...c.vapid, timeoutMs: c.requestTimeoutMs, allowPrivate: c.allowPrivateUrls }) : undefined),
  (c) => (c.fcm ? new FcmProvider({ ...c.fcm, timeoutMs: c.requestTimeoutMs, allowPrivate: c.allowPrivateUrls }) : undefined),
  (c) => (c.apns ? new ApnsProvider({ ...c.apns, timeoutMs: c.requestTimeoutMs, allowPrivate: c.allowPrivateUrls }) : undefined),
];

@Injectable()
export class PushProviders implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('PushProviders');
  private readonly byPlatform = new Map<PushPlatform, PushProvider>();

  constructor(@InjectConfig(pushConfig) config: PushConfig) {
    for (const make of factories) {
      const provider = make(config);
      if (provider) this.byPlatform.set(provider.platform, provider);
    }
  }

  async onModuleInit(): Promise<void> {
    const webhook = this.byPlatform.get('webhook') as WebhookProvider | undefined;
    // The operator's gateway URL must pass the SSRF rules too: said at start, not at the first push.
    if (webhook) await webhook.checkUrl().catch((err: Error) => this.logger.error(`PUSH_WEBHOOK_URL refused: ${err.message}; webhook pushes will fail`));
    this.logger.log(`push providers: ${[...this.byPlatform.keys()].join(', ') || 'none (push notifications off)'}`);
  }

  onApplicationShutdown(): void {
    (this.byPlatform.get('apns') as ApnsProvider | undefined)?.close();
  }

  get(platform: string): PushProvider | undefined {
    return this.byPlatform.get(platform as PushPlatform);
  }

  /** Replaces one platform's provider (tests, and providers built at runtime). */
  set(provider: PushProvider): void {
    this.byPlatform.set(provider.platform, provider);
  }

  get any(): boolean {
    return this.byPlatform.size > 0;
  }

  get platforms(): PushPlatform[] {
    return [...this.byPlatform.keys()];
  }
}

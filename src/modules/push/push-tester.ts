/**
 * `npm run admin -- push:test <username>`: sends a test notification to every device of a user,
 * straight through the providers (no outbox, no coalescing, whether or not they are connected),
 * and says per device what the provider answered; a token the provider reports dead is removed
 * as it would be by the worker. Lives in a small module of its own so the admin CLI does not
 * start the message path, presence or the outbox worker.
 */
import { Injectable, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PushCursorEntity } from './entities/push-cursor.entity';
import { PushDeviceEntity } from './entities/push-device.entity';
import { PushOutboxEntity } from './entities/push-outbox.entity';
import { PushSettingEntity } from './entities/push-setting.entity';
import { PushMetrics } from './push.metrics';
import { PushProviders } from './push-providers';
import { PushRepository } from './push.repository';

export interface PushTestResult {
  deviceId: string;
  platform: string;
  /** `sent`, or the failure reason and detail. */
  outcome: string;
}

@Injectable()
export class PushTester {
  constructor(
    private readonly devices: PushRepository,
    private readonly providers: PushProviders,
    private readonly metrics: PushMetrics,
  ) {}

  async test(userId: string): Promise<PushTestResult[]> {
    const out: PushTestResult[] = [];
    for (const d of await this.devices.ofUser(userId)) {
      const provider = this.providers.get(d.platform);
      if (!provider) {
        out.push({ deviceId: d.id, platform: d.platform, outcome: `not-configured: no ${d.platform} provider in this configuration` });
        continue;
      }
      const result = await provider.send(
        { token: d.token, appId: d.appId, locale: d.locale },
        { id: `test-${d.id}-${Date.now()}`, userId, conversationId: 'test', seq: 0, messageId: 'test', senderId: userId, pending: 0, mention: false, badge: 0, title: 'Switchboard', body: 'Test notification: push works on this device', collapseKey: 'switchboard-test', test: true },
      );
      if (result.ok) {
        this.metrics.sent.inc({ platform: d.platform });
        out.push({ deviceId: d.id, platform: d.platform, outcome: 'sent' });
        continue;
      }
      this.metrics.failed.inc({ platform: d.platform, reason: result.reason });
      if (result.reason === 'dead-token') {
        await this.devices.remove([d.id]);
        this.metrics.devicesRemoved.inc({ reason: 'dead-token' });
      }
      out.push({ deviceId: d.id, platform: d.platform, outcome: `${result.reason}: ${result.detail}${result.reason === 'dead-token' ? ' (token removed)' : ''}` });
    }
    return out;
  }
}

/** What the admin CLI mounts for push:test. */
@Module({
  imports: [TypeOrmModule.forFeature([PushDeviceEntity, PushSettingEntity, PushOutboxEntity, PushCursorEntity])],
  providers: [PushRepository, PushProviders, PushMetrics, PushTester],
  exports: [PushTester],
})
export class PushTestModule {}

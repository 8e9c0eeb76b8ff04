/** The message series are plain counts brought into prom-client when read: every scrape sees all of them, once. */
import { MetricsService } from '../../../src/common/metrics';
import { MessageMetrics } from '../../../src/modules/message/message.metrics';
import { ConnectionRegistry } from '../../../src/transport/connection-registry';

describe('MessageMetrics', () => {
  it('exports persisted and pushed (live/offline) counts at scrape time, each increment exactly once', async () => {
    const service = new MetricsService(new ConnectionRegistry());
    const metrics = new MessageMetrics(service);
    const scrape = async () => {
      const text = await service.registry.metrics();
      const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1]);
      return {
        persisted: value('switchboard_messages_persisted_total'),
        live: value('switchboard_messages_pushed_total{kind="live"}'),
        offline: value('switchboard_messages_pushed_total{kind="offline"}'),
      };
    };
    expect(await scrape()).toEqual({ persisted: 0, live: 0, offline: 0 });
    metrics.persisted();
    metrics.persisted();
    metrics.pushedLive();
    metrics.offlineBatch(5);
    expect(await scrape()).toEqual({ persisted: 2, live: 1, offline: 5 });
    expect(await scrape()).toEqual({ persisted: 2, live: 1, offline: 5 });
    metrics.persisted();
    metrics.offlineBatch(2);
    expect(await scrape()).toEqual({ persisted: 3, live: 1, offline: 7 });
    service.onModuleDestroy();
  });
});

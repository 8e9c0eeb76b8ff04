import { NotificationService } from '../../../src/modules/notification/notification.service';
import { BusMessage, EventBus } from '../../../src/transport/event-bus';
import { EventPublisher } from '../../../src/transport/event-publisher';

class RecordingBus extends EventBus {
  readonly published: BusMessage[] = [];
  failWith?: Error;
  async publish(message: BusMessage): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.published.push(message);
  }
  subscribe(): void {}
}

describe('NotificationService', () => {
  let bus: RecordingBus;
  let service: NotificationService;
  beforeEach(() => {
    bus = new RecordingBus();
    // notify() is live-only: the durable store, registry and config are not touched.
    service = new NotificationService(new EventPublisher(bus), undefined as never, undefined as never, undefined as never);
  });

  it('publishes one notification/event to the de-duplicated users through the bus', async () => {
    await service.notify(['u-1', 'u-2', 'u-1', ''], { type: 'group.member_added', conversation_id: 'g-1', members: ['u-2'] });
    expect(bus.published).toHaveLength(1);
    const [event] = bus.published;
    expect(event).toMatchObject({ kind: 'event', target: { users: ['u-1', 'u-2'] }, command: 'notification/event' });
    const payload = (event as Extract<BusMessage, { kind: 'event' }>).payload;
    expect(payload).toMatchObject({ status: 200, type: 'group.member_added', conversation_id: 'g-1', members: ['u-2'] });
    expect(payload.notification_id).toMatch(/^n-[0-9a-f-]{36}$/);
    expect(payload.sent_at).toBe(Math.floor((payload.sent_at_ms as number) / 1000));
  });

  it('an event cannot fake the frame status', async () => {
    await service.notify(['u-1'], { type: 'x.y', status: 500 });
    expect((bus.published[0] as Extract<BusMessage, { kind: 'event' }>).payload.status).toBe(200);
  });

  it('publishes nothing without recipients', async () => {
    await service.notify([], { type: 'x.y' });
    expect(bus.published).toEqual([]);
  });

  it('does not reject when the bus fails (the change is already committed)', async () => {
    bus.failWith = new Error('redis down');
    await expect(service.notify(['u-1'], { type: 'x.y' })).resolves.toBeUndefined();
  });

  it('rejects an event without a type (a programming error)', async () => {
    await expect(service.notify(['u-1'], { type: '' })).rejects.toThrow(/type/);
  });
});

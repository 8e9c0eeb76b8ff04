/**
 * The transport as DI providers: the strategy itself (so services and ops code can reach it),
 * the connection registry and the event-bus port with its local delivery.
 */
import { Global, Module } from '@nestjs/common';
import { ConnectionRegistry } from './connection-registry';
import { EventBus, InProcessEventBus } from './event-bus';
import { EventPublisher } from './event-publisher';
import { LocalDelivery } from './local-delivery';
import { SwitchboardServer } from './switchboard.server';

@Global()
@Module({
  providers: [
    SwitchboardServer,
    ConnectionRegistry,
    { provide: EventBus, useClass: InProcessEventBus },
    EventPublisher,
    LocalDelivery,
  ],
  exports: [SwitchboardServer, ConnectionRegistry, EventBus, EventPublisher, LocalDelivery],
})
export class TransportModule {}

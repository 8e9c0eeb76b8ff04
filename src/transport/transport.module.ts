/**
 * The transport as DI providers: the strategy itself (so services and ops code can reach it),
 * the connection registry and the event-bus port (in-process, or Redis when the options name
 * one) with its local delivery.
 *
 * Configured with plain TransportOptions built by the factory the app passes to forRootAsync
 * (AppModule maps its configuration namespaces); the transport itself reads no configuration.
 */
import { DynamicModule, Global, Module, ModuleMetadata } from '@nestjs/common';
import { ConnectionRegistry } from './connection-registry';
import { EventBus, InProcessEventBus } from './event-bus';
import { EventPublisher } from './event-publisher';
import { LocalDelivery } from './local-delivery';
import { RedisEventBus } from './redis-event-bus';
import { SwitchboardServer } from './switchboard.server';
import { SWITCHBOARD_SERVER_OPTIONS, TRANSPORT_OPTIONS, TransportOptions } from './transport-options';

export interface TransportModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  /** DI tokens handed to useFactory (e.g. configuration namespaces). */
  inject?: (string | symbol | Function)[];
  useFactory: (...args: never[]) => TransportOptions | Promise<TransportOptions>;
}

@Global()
@Module({})
export class TransportModule {
  static forRootAsync(options: TransportModuleAsyncOptions): DynamicModule {
    const factory = options.useFactory as (...args: unknown[]) => TransportOptions | Promise<TransportOptions>;
    return {
      module: TransportModule,
      imports: options.imports ?? [],
      providers: [
        { provide: TRANSPORT_OPTIONS, inject: options.inject ?? [], useFactory: factory },
        { provide: SWITCHBOARD_SERVER_OPTIONS, inject: [TRANSPORT_OPTIONS], useFactory: (o: TransportOptions) => o.server },
        SwitchboardServer,
        ConnectionRegistry,
        {
          // A Redis bus → pushes reach connections on every node and survive a Redis outage up to
          // its retention; otherwise the in-process bus (single node, the embedded default).
          provide: EventBus,
          inject: [TRANSPORT_OPTIONS],
          useFactory: async ({ redisBus }: TransportOptions): Promise<EventBus> => (redisBus ? new RedisEventBus(redisBus).connect() : new InProcessEventBus()),
        },
        EventPublisher,
        LocalDelivery,
      ],
      exports: [SwitchboardServer, ConnectionRegistry, EventBus, EventPublisher, LocalDelivery, TRANSPORT_OPTIONS],
    };
  }
}

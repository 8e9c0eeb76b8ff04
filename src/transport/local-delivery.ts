/** Delivers bus messages to the connections this process holds. */
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Connection, SendOptions } from './connection';
import { ConnectionRegistry } from './connection-registry';
import { BusMessage, BusTarget, EventBus } from './event-bus';

@Injectable()
export class LocalDelivery implements OnModuleInit {
  /** Pushes dropped because the receiving connection was a slow consumer. */
  dropped = 0;
  delivered = 0;

  constructor(
    private readonly bus: EventBus,
    private readonly registry: ConnectionRegistry,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe((message) => this.deliver(message));
  }

  deliver(message: BusMessage): void {
    const connections = this.resolve(message.target);
    let options: SendOptions | undefined;
    for (const conn of connections) {
      if (message.kind === 'event') {
        if (conn.id === message.excludeConnection) continue;
        // Fan-out: the payload is serialized once for all of them (connection.ts SendOptions).
        options ??=
          connections.length > 2
            ? { priority: message.priority, droppable: message.droppable, payloadJson: { payload: message.payload, json: JSON.stringify(message.payload) } }
            : message;
        if (conn.sendEvent(message.command, message.payload, options)) this.delivered++;
        else this.dropped++;
      } else if (message.unbindOnly) {
        this.registry.unbind(conn);
      } else {
        if (message.command) conn.sendEvent(message.command, message.payload ?? {}, { priority: 'high' });
        this.registry.unbind(conn);
        conn.end();
      }
    }
  }

  private resolve(target: BusTarget): Connection[] {
    // Copy: delivery may unbind connections and mutate the index sets we iterate.
    if ('users' in target) return target.users.flatMap((u) => [...this.registry.forUser(u)]);
    if ('sessions' in target) return target.sessions.flatMap((s) => [...this.registry.forSession(s)]);
    if ('connections' in target) {
      return target.connections.map((id) => this.registry.get(id)).filter((c): c is Connection => !!c);
    }
    return [...this.registry.all()].filter((c) => c.isAuthenticated);
  }
}

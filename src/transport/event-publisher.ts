/**
 * The port services use to push `type: "event"` frames. It only publishes to the EventBus;
 * delivery to sockets happens in LocalDelivery on every process.
 */
import { Injectable } from '@nestjs/common';
import { BusTarget, EventBus } from './event-bus';

export interface PushOptions {
  excludeConnection?: string;
  priority?: 'high' | 'normal';
  droppable?: boolean;
}

@Injectable()
export class EventPublisher {
  constructor(private readonly bus: EventBus) {}

  toUsers(userIds: string[], command: string, payload: Record<string, unknown>, options: PushOptions = {}): Promise<void> {
    if (userIds.length === 0) return Promise.resolve();
    return this.push({ users: userIds }, command, payload, options);
  }

  toConnections(connectionIds: string[], command: string, payload: Record<string, unknown>, options: PushOptions = {}): Promise<void> {
    return this.push({ connections: connectionIds }, command, payload, options);
  }

  toSessions(sessionIds: string[], command: string, payload: Record<string, unknown>, options: PushOptions = {}): Promise<void> {
    return this.push({ sessions: sessionIds }, command, payload, options);
  }

  toAll(command: string, payload: Record<string, unknown>, options: PushOptions = {}): Promise<void> {
    return this.push({ all: true }, command, payload, options);
  }

  /** Sends an optional last event (e.g. auth/kick) and closes the matching connections. */
  disconnect(target: BusTarget, event?: { command: string; payload: Record<string, unknown> }): Promise<void> {
    return this.bus.publish({ kind: 'disconnect', target, command: event?.command, payload: event?.payload });
  }

  /** Unbinds matching connections from their user (logout) without closing them. */
  unbind(target: BusTarget): Promise<void> {
    return this.bus.publish({ kind: 'disconnect', target, unbindOnly: true });
  }

  private push(target: BusTarget, command: string, payload: Record<string, unknown>, options: PushOptions): Promise<void> {
    return this.bus.publish({ kind: 'event', target, command, payload, ...options });
  }
}

/**
 * The event-bus port. Services never write to sockets: they publish a BusMessage, and every
 * server process delivers it to the matching connections it holds. The in-process bus below is
 * the embedded default; a Redis pub/sub implementation replaces it for multi-node deployments,
 * which is why messages are plain JSON and targets are ids, never Connection objects.
 */
import { Injectable } from '@nestjs/common';

export type BusTarget =
  | { users: string[] }
  | { connections: string[] }
  | { sessions: string[] }
  | { all: true };

export interface BusEvent {
  kind: 'event';
  target: BusTarget;
  command: string;
  payload: Record<string, unknown>;
  /** Do not deliver to this connection (e.g. the sender's own device). */
  excludeConnection?: string;
  priority?: 'high' | 'normal';
  /** May be dropped for a slow consumer, who will catch up via sync. */
  droppable?: boolean;
}

export interface BusDisconnect {
  kind: 'disconnect';
  target: BusTarget;
  /** Event sent just before closing (e.g. auth/kick), if any. */
  command?: string;
  payload?: Record<string, unknown>;
  /** Unbind only (e.g. logout): keep the socket open. */
  unbindOnly?: boolean;
}

export type BusMessage = BusEvent | BusDisconnect;
export type BusListener = (message: BusMessage) => void;

export abstract class EventBus {
  abstract publish(message: BusMessage): Promise<void>;
  abstract subscribe(listener: BusListener): void;
  /** Releases connections (Redis) on shutdown. */
  async close(): Promise<void> {}
}

@Injectable()
export class InProcessEventBus extends EventBus {
  private readonly listeners: BusListener[] = [];

  async publish(message: BusMessage): Promise<void> {
    for (const listener of this.listeners) listener(message);
  }

  subscribe(listener: BusListener): void {
    this.listeners.push(listener);
  }
}

/**
 * Port for modules that must know whether a user has a device connected right now, on any node
 * (push notifications go only to users who have none). Reads the PresenceStore: in-process, or
 * Redis when several nodes share it; a connection counts until it closes or its heartbeat goes
 * stale.
 */
import { Injectable } from '@nestjs/common';
import { PresenceStore } from './presence-store';

@Injectable()
export class OnlineUsers {
  constructor(private readonly store: PresenceStore) {}

  /** The users of `userIds` with at least one live, logged-in connection. */
  async among(userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const connections = await this.store.connectionsOf(userIds);
    const online = new Set<string>();
    for (const [userId, list] of connections) if (list.length > 0) online.add(userId);
    return online;
  }
}

/**
 * Presence test helpers: conversation rows inserted directly (the presence audience only reads
 * conversation_members), and waiting for a user's presence/event. Users come from users.ts
 * (`registerUser` first, so a shared conversation exists before their first presence is announced).
 */
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { SwitchboardClient } from '../../src/client/switchboard-client';
import { ConversationMemberEntity } from '../../src/modules/conversation/entities/conversation-member.entity';
import { ConversationEntity } from '../../src/modules/conversation/entities/conversation.entity';
import type { Envelope } from '../../src/shared/protocol';
import type { TestApp } from './test-app';

async function insertConversation(app: TestApp, id: string, kind: 'direct' | 'group', members: string[]): Promise<void> {
  const ds = app.app.get(DataSource);
  const now = Date.now();
  await ds.getRepository(ConversationEntity).insert({
    id,
    kind,
    name: kind === 'group' ? id : null,
    ownerId: kind === 'group' ? members[0] : null,
    lastSeq: 0,
    historyVisibility: 'joined',
    createdAt: now,
    updatedAt: now,
  });
  await ds.getRepository(ConversationMemberEntity).insert(
    members.map((userId, i) => ({
      conversationId: id,
      userId,
      role: kind === 'group' && i === 0 ? ('owner' as const) : ('member' as const),
      joinedSeq: 0,
      deliveredSeq: 0,
      readSeq: 0,
      joinedAt: now,
    })),
  );
}

/** A direct conversation between two users, as message/send would create it. */
export function shareDirect(app: TestApp, a: string, b: string): Promise<void> {
  const [x, y] = [a, b].sort();
  return insertConversation(app, `d-${x}-${y}`, 'direct', [x, y]);
}

export async function shareGroup(app: TestApp, members: string[]): Promise<string> {
  const id = `g-${randomBytes(6).toString('hex')}`;
  await insertConversation(app, id, 'group', members);
  return id;
}

export function isPresenceOf(userId: string, match: Record<string, unknown> = {}) {
  return (frame: Envelope): boolean =>
    frame.command === 'presence/event' &&
    (frame.payload as Record<string, unknown>).user_id === userId &&
    Object.entries(match).every(([k, v]) => JSON.stringify((frame.payload as Record<string, unknown>)[k]) === JSON.stringify(v));
}

/** Waits for a presence/event about `userId` matching `match` (past events included). */
export function presenceEvent(client: SwitchboardClient, userId: string, match: Record<string, unknown> = {}, timeoutMs?: number) {
  return client.waitFor(isPresenceOf(userId, match), { timeoutMs });
}

/** presence/event frames about `userId` received so far. */
export function presenceEventsAbout(client: SwitchboardClient, userId: string): Record<string, any>[] {
  return client.events.filter(isPresenceOf(userId)).map((f) => f.payload as Record<string, any>);
}

/** Sends presence/heartbeat every `everyMs` like a real client; returns the stop function. */
export function keepAlive(client: SwitchboardClient, everyMs: number): () => void {
  let seq = 0;
  const timer = setInterval(() => {
    if (client.isOpen) client.sendEvent('presence/heartbeat', { seq: ++seq });
  }, everyMs);
  return () => clearInterval(timer);
}

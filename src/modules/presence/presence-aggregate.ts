/**
 * Pure presence rules, unit-tested on their own: how a user's connections aggregate into one
 * presence, what others may see of it, and when two announced states differ.
 */
import type { PresenceView, PublicPresenceStatus, SelfPresenceStatus } from '../../shared/protocol/messages/presence.messages';
import type { AnnouncedPresence, ConnectionPresence } from './presence-store';

/** Higher is more available: the aggregate is the most available connection. */
const RANK: Record<SelfPresenceStatus, number> = { online: 4, busy: 3, away: 2, invisible: 1, offline: 0 };

export type Viewer = 'self' | 'others';

/**
 * Aggregates one user's connections.
 * - others: invisible connections do not exist; no visible connection → offline with the stored
 *   last_seen (frozen when the user went invisible or disconnected, so it leaks nothing).
 * - self: invisible connections count (below away), so the user sees "invisible", not "offline".
 * `last_seen` is seconds: the latest activity of the counted connections, else the stored value.
 */
export function aggregatePresence(
  userId: string,
  connections: readonly ConnectionPresence[],
  storedLastSeenMs: number | undefined,
  viewer: Viewer,
): PresenceView {
  const counted = viewer === 'self' ? connections : connections.filter((c) => c.status !== 'invisible');
  if (counted.length === 0) {
    return { user_id: userId, status: 'offline', text: null, last_seen: toSeconds(storedLastSeenMs), devices: [] };
  }
  let best = counted[0];
  for (const c of counted) {
    const diff = RANK[c.status] - RANK[best.status];
    // Equal status: the most recently changed connection speaks (its text wins).
    if (diff > 0 || (diff === 0 && c.updatedAt > best.updatedAt)) best = c;
  }
  const devices = [...new Set(counted.map((c) => c.device ?? 'unknown'))].sort();
  const lastActive = Math.max(...counted.map((c) => c.heartbeatAt));
  return { user_id: userId, status: best.status, text: best.text, last_seen: toSeconds(lastActive), devices };
}

/** The comparable part of what others see (last_seen moves all the time and is not compared). */
export function toAnnounced(view: PresenceView): AnnouncedPresence {
  return { status: view.status as PublicPresenceStatus, text: view.text, devices: [...view.devices] };
}

export const OFFLINE: AnnouncedPresence = { status: 'offline', text: null, devices: [] };

export function sameAnnounced(a: AnnouncedPresence | undefined, b: AnnouncedPresence | undefined): boolean {
  const x = a ?? OFFLINE;
  const y = b ?? OFFLINE;
  return (
    x.status === y.status &&
    x.text === y.text &&
    x.devices.length === y.devices.length &&
    x.devices.every((d, i) => d === y.devices[i])
  );
}

/** Whether a status is visible to others (moving away from one freezes last_seen). */
export function isVisible(status: SelfPresenceStatus): boolean {
  return status !== 'invisible' && status !== 'offline';
}

function toSeconds(ms: number | undefined): number | null {
  return ms === undefined || ms <= 0 ? null : Math.floor(ms / 1000);
}

/**
 * presence/list and presence/subscribe: what a user may see of others.
 * - With `user_ids`: every requested id gets an entry, in request order. Users who share no direct
 *   conversation or group with the requester (strangers, unknown ids) read as a never-seen
 *   offline user (`offline`, last_seen null, no devices): the answer is the same whether the id
 *   exists, is online or not, so nothing leaks. The requester sees themselves as they are
 *   (including `invisible`).
 * - Without `user_ids`: the visible online users among the requester's contacts (the push
 *   audience: direct conversations and groups up to PRESENCE_GROUP_FANOUT_MAX members), ordered by
 *   user id, paginated with an opaque cursor.
 */
import { Injectable } from '@nestjs/common';
import { decodeOpaqueCursor, encodeOpaqueCursor, invalidCursor, isCursorId } from '../../common/cursor/opaque-cursor';
import { InjectConfig } from '../../config/config.util';
import { PresenceConfig, presenceConfig } from './presence.config';
import { ProtocolError } from '../../shared/protocol';
import {
  PRESENCE_LIST_DEFAULT_LIMIT,
  PresenceListRequest,
  PresenceView,
} from '../../shared/protocol/messages/presence.messages';
import { PresenceRepository } from './presence.repository';
import { PresenceService } from './presence.service';
import { PresenceStore } from './presence-store';

export interface PresenceListResult {
  users: PresenceView[];
  has_more: boolean;
  next_cursor: string | null;
}

@Injectable()
export class PresenceQueryService {
  constructor(
    private readonly presence: PresenceService,
    private readonly repository: PresenceRepository,
    private readonly store: PresenceStore,
    @InjectConfig(presenceConfig) private readonly config: PresenceConfig,
  ) {}

  async list(requester: string, dto: PresenceListRequest): Promise<PresenceListResult> {
    if (dto.user_ids) {
      if (dto.cursor !== undefined) {
        throw new ProtocolError('VALIDATION_FAILED', 'cursor pages the online-contacts list; it cannot be combined with user_ids', 400, {
          fields: [{ field: 'cursor', problems: ['not allowed together with user_ids'] }],
        });
      }
      return { users: await this.explicit(requester, [...new Set(dto.user_ids)]), has_more: false, next_cursor: null };
    }
    return this.onlineContacts(requester, dto.cursor === undefined ? undefined : decodeCursor(dto.cursor), dto.limit ?? PRESENCE_LIST_DEFAULT_LIMIT);
  }

  /** Follows users whose presence is not pushed otherwise (e.g. members of a large group). */
  async subscribe(requester: string, connectionId: string, userIds: string[]): Promise<{ users: PresenceView[] }> {
    const ids = [...new Set(userIds)].filter((id) => id !== requester);
    const visible = await this.repository.visibleAmong(requester, ids);
    const refused = ids.filter((id) => !visible.has(id));
    if (refused.length > 0) {
      throw new ProtocolError('FORBIDDEN', `you can only follow users you share a conversation or group with; not: ${refused.join(', ')}`, 403, {
        user_ids: refused,
      });
    }
    if (ids.length > 0) await this.store.subscribe(connectionId, requester, ids);
    return { users: await this.presence.views(ids, 'others') };
  }

  private async explicit(requester: string, ids: string[]): Promise<PresenceView[]> {
    const visible = await this.repository.visibleAmong(requester, ids);
    const shown = ids.filter((id) => visible.has(id));
    // Asking for oneself only (a client showing its own status) reads the store once.
    const views = new Map(shown.length === 0 ? [] : (await this.presence.views(shown, 'others')).map((v) => [v.user_id, v]));
    if (ids.includes(requester)) views.set(requester, (await this.presence.views([requester], 'self'))[0]);
    return ids.map((id) => views.get(id) ?? { user_id: id, status: 'offline', text: null, last_seen: null, devices: [] });
  }

  /** Walks the contacts in id order, in batches, keeping the visibly online ones. */
  private async onlineContacts(requester: string, after: string | undefined, limit: number): Promise<PresenceListResult> {
    const found: PresenceView[] = [];
    const batchSize = Math.max(limit * 2, 100);
    let cursor = after;
    for (;;) {
      const batch = await this.repository.audience(requester, this.config.groupFanoutMax, { afterUserId: cursor, limit: batchSize });
      if (batch.length === 0) break;
      for (const view of await this.presence.views(batch, 'others')) {
        if (view.status !== 'offline') found.push(view);
        // One more than the page tells whether there is a next page.
        if (found.length > limit) break;
      }
      if (found.length > limit || batch.length < batchSize) break;
      cursor = batch[batch.length - 1];
    }
    const hasMore = found.length > limit;
    const users = found.slice(0, limit);
    return { users, has_more: hasMore, next_cursor: hasMore ? encodeCursor(users[users.length - 1].user_id) : null };
  }
}

function encodeCursor(afterUserId: string): string {
  return encodeOpaqueCursor({ a: afterUserId });
}

function decodeCursor(cursor: string): string {
  const message = 'cursor is not a next_cursor returned by presence/list; omit it to start from the first page';
  const { a } = decodeOpaqueCursor(cursor, message);
  if (!isCursorId(a)) throw invalidCursor(message);
  return a;
}

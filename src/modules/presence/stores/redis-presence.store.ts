/**
 * PresenceStore shared by several server processes through Redis. Per user:
 *   <prefix>presence:conn:<user>  hash  connection id → JSON ConnectionPresence
 *   <prefix>presence:hb:<user>    hash  connection id → last heartbeat (ms), written by touches
 *   <prefix>presence:seen:<user>  last-seen time (ms)
 *   <prefix>presence:ann:<user>   JSON of the last announced state
 *   <prefix>presence:nodes        set of node ids that registered connections
 *   <prefix>presence:node:<node>  hash  connection id → user id, per node (reaped when it dies)
 *   <prefix>node:<node>           liveness key of a node (TTL NODE_LIVENESS_TTL_MS)
 * Hash keys expire (refreshed on every write), and entries whose heartbeat is older than
 * `staleAfterMs` are pruned on read, so a crashed process's connections disappear by themselves.
 * Heartbeats live in their own hash so a touch is one HSET, not a JSON rewrite.
 */
import { closeRedis } from '../../../infra/redis-client';
import type { Redis } from 'ioredis';
import type {
  AnnouncedPresence,
  ConnectionPresence,
  HeartbeatTouch,
  PresenceStoreOptions,
  Subscriber,
} from '../presence-store';
import { PresenceStore } from '../presence-store';

/**
 * Touch only connections that still exist: a late heartbeat must not resurrect a removed one.
 * Returns 1 when the entry is missing, so its (live) node can register it again.
 */
const TOUCH = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  local cur = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
  if tonumber(ARGV[2]) > cur then redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return 0
end
return 1`;

/** Atomic get-and-delete of one connection (its state and heartbeat fields, its node's listing). */
const REMOVE = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return v`;

/** Sets the liveness key and lists the node; returns whether the key existed before. */
const REFRESH_NODE = `
local existed = redis.call('EXISTS', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
return existed`;

/** last-seen only moves forward, whichever process writes it. */
const SET_MAX = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 0`;

const LAST_SEEN_TTL_MS = 90 * 24 * 3600 * 1000;
/** Announced state and subscriptions outlive any sane session but still expire eventually. */
const LONG_TTL_MS = 24 * 3600 * 1000;

export class RedisPresenceStore extends PresenceStore {
  private readonly keyTtlMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly options: PresenceStoreOptions,
    /** Whether close() quits the client (false when the client is shared). */
    private readonly ownsClient = true,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.keyTtlMs = options.staleAfterMs * 2;
  }

  async putConnection(presence: ConnectionPresence): Promise<void> {
    const [conn, hb] = this.userKeys(presence.userId);
    const multi = this.redis
      .multi()
      .hset(conn, presence.connectionId, JSON.stringify(presence))
      .hset(hb, presence.connectionId, String(presence.heartbeatAt))
      .pexpire(conn, this.keyTtlMs)
      .pexpire(hb, this.keyTtlMs);
    // Listed under this node, so the others can announce it offline if this node dies.
    if (this.options.nodeId) multi.hset(this.nodeKey(this.options.nodeId), presence.connectionId, presence.userId).sadd(this.nodesKey(), this.options.nodeId);
    await multi.exec();
  }

  async getConnection(userId: string, connectionId: string): Promise<ConnectionPresence | undefined> {
    const [conn, hb] = this.userKeys(userId);
    const [raw, beat] = await Promise.all([this.redis.hget(conn, connectionId), this.redis.hget(hb, connectionId)]);
    const entry = parseEntry(raw, beat);
    return entry && !this.isStale(entry) ? entry : undefined;
  }

  async removeConnection(userId: string, connectionId: string): Promise<ConnectionPresence | undefined> {
    const nodeKey = this.nodeKey(this.options.nodeId ?? '-');
    const raw = (await this.redis.eval(REMOVE, 3, ...this.userKeys(userId), nodeKey, connectionId)) as string | null;
    return parseEntry(raw, null);
  }

  async touch(touches: HeartbeatTouch[]): Promise<string[]> {
    if (touches.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const t of touches) pipeline.eval(TOUCH, 2, ...this.userKeys(t.userId), t.connectionId, String(t.at), String(this.keyTtlMs));
    const results = (await pipeline.exec()) ?? [];
    const missing: string[] = [];
    results.forEach(([err, value], i) => {
      if (err) throw err;
      if (value === 1) missing.push(touches[i].connectionId);
    });
    return missing;
  }

  override async refreshNode(nodeId: string, ttlMs: number): Promise<boolean> {
    const existed = await this.redis.eval(REFRESH_NODE, 2, this.livenessKey(nodeId), this.nodesKey(), String(this.now()), String(ttlMs), nodeId);
    return existed === 1;
  }

  override async deadNodes(selfId: string): Promise<string[]> {
    const nodes = (await this.redis.smembers(this.nodesKey())).filter((n) => n !== selfId);
    if (nodes.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const node of nodes) pipeline.exists(this.livenessKey(node));
    const results = (await pipeline.exec()) ?? [];
    return nodes.filter((_, i) => results[i]?.[1] === 0);
  }

  override async claimDeadNode(nodeId: string, lockMs: number): Promise<{ userId: string; connectionId: string }[]> {
    const won = await this.redis.set(`${this.prefix}presence:reap:${nodeId}`, '1', 'PX', lockMs, 'NX');
    if (won !== 'OK') return [];
    const listed = await this.redis.hgetall(this.nodeKey(nodeId));
    await this.redis.multi().del(this.nodeKey(nodeId)).srem(this.nodesKey(), nodeId).exec();
    return Object.entries(listed).map(([connectionId, userId]) => ({ connectionId, userId }));
  }

  async connectionsOf(userIds: string[]): Promise<Map<string, ConnectionPresence[]>> {
    const out = new Map<string, ConnectionPresence[]>();
    if (userIds.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const userId of userIds) {
      const [conn, hb] = this.userKeys(userId);
      pipeline.hgetall(conn).hgetall(hb);
    }
    const results = (await pipeline.exec()) ?? [];
    const prune = this.redis.pipeline();
    let pruning = 0;
    userIds.forEach((userId, i) => {
      const [connErr, conns] = results[2 * i] ?? [];
      const [hbErr, beats] = results[2 * i + 1] ?? [];
      if (connErr) throw connErr;
      if (hbErr) throw hbErr;
      const live: ConnectionPresence[] = [];
      for (const [id, raw] of Object.entries((conns ?? {}) as Record<string, string>)) {
        const entry = parseEntry(raw, (beats as Record<string, string> | undefined)?.[id]);
        if (!entry) continue;
        if (this.isStale(entry)) {
          const [conn, hb] = this.userKeys(userId);
          prune.hdel(conn, id).hdel(hb, id);
          pruning++;
        } else live.push(entry);
      }
      out.set(userId, live);
    });
    if (pruning > 0) await prune.exec();
    return out;
  }

  async setLastSeen(userId: string, at: number): Promise<void> {
    await this.redis.eval(SET_MAX, 1, this.key('seen', userId), String(at), String(LAST_SEEN_TTL_MS));
  }

  async lastSeenOf(userIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (userIds.length === 0) return out;
    const values = await this.redis.mget(...userIds.map((id) => this.key('seen', id)));
    values.forEach((v, i) => {
      if (v !== null) out.set(userIds[i], Number(v));
    });
    return out;
  }

  async getAnnounced(userId: string): Promise<AnnouncedPresence | undefined> {
    const raw = await this.redis.get(this.key('ann', userId));
    return raw ? (JSON.parse(raw) as AnnouncedPresence) : undefined;
  }

  async setAnnounced(userId: string, announced: AnnouncedPresence | undefined): Promise<void> {
    const key = this.key('ann', userId);
    if (announced) await this.redis.set(key, JSON.stringify(announced), 'PX', LONG_TTL_MS);
    else await this.redis.del(key);
  }

  async subscribe(connectionId: string, subscriberId: string, targets: string[]): Promise<void> {
    const mine = this.key('subof', connectionId);
    const multi = this.redis.multi().sadd(mine, ...targets).pexpire(mine, LONG_TTL_MS);
    for (const target of targets) {
      const subs = this.key('subs', target);
      multi.hset(subs, connectionId, subscriberId).pexpire(subs, LONG_TTL_MS);
    }
    await multi.exec();
  }

  async unsubscribeConnection(connectionId: string): Promise<void> {
    const mine = this.key('subof', connectionId);
    const targets = await this.redis.smembers(mine);
    if (targets.length === 0) return;
    const multi = this.redis.multi().del(mine);
    for (const target of targets) multi.hdel(this.key('subs', target), connectionId);
    await multi.exec();
  }

  async subscribersOf(targetId: string): Promise<Subscriber[]> {
    const subs = await this.redis.hgetall(this.key('subs', targetId));
    return Object.entries(subs).map(([connectionId, userId]) => ({ connectionId, userId }));
  }

  override async close(): Promise<void> {
    if (this.ownsClient) await closeRedis(this.redis);
  }

  private key(kind: string, id: string): string {
    return `${this.prefix}presence:${kind}:${id}`;
  }

  private nodesKey(): string {
    return `${this.prefix}presence:nodes`;
  }

  private nodeKey(nodeId: string): string {
    return `${this.prefix}presence:node:${nodeId}`;
  }

  private livenessKey(nodeId: string): string {
    return `${this.prefix}node:${nodeId}`;
  }

  private userKeys(userId: string): [string, string] {
    return [this.key('conn', userId), this.key('hb', userId)];
  }

  private isStale(entry: ConnectionPresence): boolean {
    return this.now() - entry.heartbeatAt > this.options.staleAfterMs;
  }
}

function parseEntry(raw: string | null | undefined, beat: string | null | undefined): ConnectionPresence | undefined {
  if (!raw) return undefined;
  const entry = JSON.parse(raw) as ConnectionPresence;
  const heartbeat = beat ? Number(beat) : 0;
  if (heartbeat > entry.heartbeatAt) entry.heartbeatAt = heartbeat;
  return entry;
}

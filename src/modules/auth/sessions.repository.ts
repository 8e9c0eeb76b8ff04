import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull, LessThan, MoreThan, MoreThanOrEqual, Not, Repository } from 'typeorm';
import { RetiredRefreshTokenEntity } from './entities/retired-refresh-token.entity';
import { SessionEntity } from './entities/session.entity';

@Injectable()
export class SessionsRepository {
  private readonly repo: Repository<SessionEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(SessionEntity);
  }

  async insert(session: SessionEntity): Promise<void> {
    await this.repo.insert(session);
  }

  findById(id: string): Promise<SessionEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByRefreshHash(refreshHash: string): Promise<SessionEntity | null> {
    return this.repo.findOneBy({ refreshHash });
  }

  /** Session id a rotated (no longer valid) refresh token belonged to, if any. */
  async findRetired(tokenHash: string): Promise<string | undefined> {
    const row = await this.dataSource.getRepository(RetiredRefreshTokenEntity).findOneBy({ tokenHash });
    return row?.sessionId;
  }

  findActiveByUser(userId: string, now: number): Promise<SessionEntity[]> {
    return this.repo.find({
      where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(now) },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  /**
   * Replaces the refresh hash only if it is still `oldHash` (compare-and-swap): of two concurrent
   * refreshes with the same token exactly one wins. The old hash is kept for reuse detection.
   */
  rotate(sessionId: string, oldHash: string, newHash: string, now: number, expiresAt: number): Promise<boolean> {
    return this.dataSource.transaction(async (em) => {
      const result = await em
        .createQueryBuilder()
        .update(SessionEntity)
        .set({ refreshHash: newHash, lastUsedAt: now, expiresAt, refreshGeneration: () => 'refresh_generation + 1' })
        .where('id = :id AND refresh_hash = :oldHash AND revoked_at IS NULL', { id: sessionId, oldHash })
        .execute();
      if (!result.affected) return false;
      await em.insert(RetiredRefreshTokenEntity, { tokenHash: oldHash, sessionId, retiredAt: now });
      return true;
    });
  }

  async touch(sessionId: string, now: number): Promise<void> {
    await this.repo.update({ id: sessionId }, { lastUsedAt: now });
  }

  /** Which of `ids` are neither revoked nor expired at `now`. */
  async activeAmong(ids: string[], now: number): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.repo.find({ select: { id: true }, where: { id: In(ids), revokedAt: IsNull(), expiresAt: MoreThan(now) } });
    return new Set(rows.map((r) => r.id));
  }

  /** Revokes the given sessions that are still active; returns the ids actually revoked. */
  async revoke(ids: string[], reason: string, now: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const active = await this.repo.find({ select: { id: true }, where: { id: In(ids), revokedAt: IsNull() } });
    const toRevoke = active.map((s) => s.id);
    if (toRevoke.length === 0) return [];
    await this.repo.update({ id: In(toRevoke), revokedAt: IsNull() }, { revokedAt: now, revokedReason: reason });
    // Reuse detection is moot once the session is dead.
    await this.dataSource.getRepository(RetiredRefreshTokenEntity).delete({ sessionId: In(toRevoke) });
    return toRevoke;
  }

  /** Sessions revoked at or after `since` (the cross-process revocation sweep). */
  async revokedSince(since: number): Promise<{ id: string; revokedAt: number; reason: string | null }[]> {
    const rows = await this.repo.find({
      select: { id: true, revokedAt: true, revokedReason: true },
      where: { revokedAt: MoreThanOrEqual(since) },
    });
    return rows.map((r) => ({ id: r.id, revokedAt: r.revokedAt ?? since, reason: r.revokedReason }));
  }

  /**
   * Housekeeping: retired hashes older than the refresh TTL (those tokens would have expired
   * anyway) and those of sessions that expired. Returns the number of rows deleted.
   */
  async pruneRetired(now: number, refreshTtlMs: number): Promise<number> {
    const retired = this.dataSource.getRepository(RetiredRefreshTokenEntity);
    let deleted = (await retired.delete({ retiredAt: LessThan(now - refreshTtlMs) })).affected ?? 0;
    const expired = await this.repo.find({ select: { id: true }, where: { expiresAt: LessThan(now), revokedAt: IsNull() }, take: 1000 });
    if (expired.length > 0) deleted += (await retired.delete({ sessionId: In(expired.map((s) => s.id)) })).affected ?? 0;
    return deleted;
  }

  activeIdsOfUser(userId: string, now: number, except?: string): Promise<string[]> {
    return this.repo
      .find({
        select: { id: true },
        where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(now), ...(except ? { id: Not(except) } : {}) },
      })
      .then((rows) => rows.map((r) => r.id));
  }
}

/** Storage of durable notifications (rows live until their user acks them). */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, Not } from 'typeorm';
import { isSqlite, runSerializedWrite, writeTransaction } from '../../database/write-transaction';
import { NotificationEntity } from './entities/notification.entity';

/** Keyset position in a user's list ordered by (created_at, id). */
export interface NotificationPosition {
  createdAt: number;
  id: string;
}

@Injectable()
export class NotificationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(NotificationEntity);
  }

  /**
   * Stores `row`, first deleting what it supersedes (the same user's pending rows about the same
   * other user, of the `supersedes` types: one pending notice per sender and thread), then trims
   * the user's rows beyond `keep` (bounded storage per user): oldest first, but rows of the
   * `evictLast` types (requests still waiting for an answer) only once no other row is left.
   */
  async insert(row: NotificationEntity, keep: number, options: { supersedes?: string[]; evictLast?: string[] } = {}): Promise<void> {
    const supersedes = options.supersedes ?? [];
    await writeTransaction(this.dataSource, async (em) => {
      if (row.aboutUserId && supersedes.length > 0) {
        await em.getRepository(NotificationEntity).delete({ userId: row.userId, aboutUserId: row.aboutUserId, type: In(supersedes) });
      }
      // The JSON payload goes through the column transformer; the typings only know plain columns.
      await em.getRepository(NotificationEntity).insert(row as never);
    });
    const count = await this.repo.countBy({ userId: row.userId });
    if (count <= keep) return;
    const evictLast = options.evictLast ?? [];
    const excess = count - keep;
    const oldest = (types: 'others' | 'last', take: number) =>
      this.repo.find({
        select: { id: true },
        where: evictLast.length === 0 ? { userId: row.userId } : { userId: row.userId, type: types === 'others' ? Not(In(evictLast)) : In(evictLast) },
        order: { createdAt: 'ASC', id: 'ASC' },
        take,
      });
    const victims = await oldest('others', excess);
    if (victims.length < excess && evictLast.length > 0) victims.push(...(await oldest('last', excess - victims.length)));
    await this.write(() => this.repo.delete({ id: In(victims.map((r) => r.id)) }));
  }

  /** Pending notifications of `userId` after `after`, oldest first. */
  page(userId: string, limit: number, after?: NotificationPosition): Promise<NotificationEntity[]> {
    const qb = this.repo.createQueryBuilder('n').where('n.userId = :userId', { userId });
    if (after) {
      qb.andWhere('(n.createdAt > :at OR (n.createdAt = :at AND n.id > :id))', { at: after.createdAt, id: after.id });
    }
    return qb.orderBy('n.createdAt', 'ASC').addOrderBy('n.id', 'ASC').limit(limit).getMany();
  }

  /** Deletes `ids` of `userId` (ids of other users are ignored); returns how many were pending. */
  async ack(userId: string, ids: string[]): Promise<number> {
    const result = await this.write(() => this.repo.delete({ userId, id: In(ids) }));
    return result.affected ?? 0;
  }

  /** Deletes `userId`'s pending notifications about `aboutUserId` of the given types (e.g. after a block). */
  async purgeAbout(userId: string, aboutUserId: string, types: string[]): Promise<void> {
    await this.write(() => this.repo.delete({ userId, aboutUserId, type: In(types) }));
  }

  /** SQLite writes share the one write queue (see write-transaction.ts); PostgreSQL runs them directly. */
  private write<T>(fn: () => Promise<T>): Promise<T> {
    return isSqlite(this.dataSource) ? runSerializedWrite(this.dataSource, fn) : fn();
  }
}

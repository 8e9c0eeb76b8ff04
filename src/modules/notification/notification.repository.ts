/** Storage of durable notifications (rows live until their user acks them). */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { runSerializedWrite, isSqlite } from '../../database/write-transaction';
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

  /** Inserts, then trims the user's oldest rows beyond `keep` (bounded storage per user). */
  async insert(rows: NotificationEntity[], keep: number): Promise<void> {
    if (rows.length === 0) return;
    // The JSON payload goes through the column transformer; the typings only know plain columns.
    await this.write(() => this.repo.insert(rows as never));
    for (const userId of new Set(rows.map((r) => r.userId))) {
      const count = await this.repo.countBy({ userId });
      if (count <= keep) continue;
      const oldest = await this.repo.find({ select: { id: true }, where: { userId }, order: { createdAt: 'ASC', id: 'ASC' }, take: count - keep });
      await this.write(() => this.repo.delete({ id: In(oldest.map((r) => r.id)) }));
    }
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

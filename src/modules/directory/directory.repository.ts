/**
 * The directory's reads of the users table, filtered by the visibility rule in SQL so a page is
 * never cut short by filtering afterwards: enabled accounts, minus those who blocked the
 * searcher, and (DIRECTORY_VISIBILITY=contacts) only users with a contact row of the searcher.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, SelectQueryBuilder } from 'typeorm';
import { UserEntity } from '../auth';
import { ContactBlockEntity } from '../contact';
import { ContactEntity } from '../contact';

export type Visibility = 'everyone' | 'contacts';

/** `a_b%` must match literally: escape LIKE's wildcards (usernames may hold `_`). */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

@Injectable()
export class DirectoryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Visible users whose normalized username starts with `prefix`, by username, at most `limit`. */
  byPrefix(searcher: string, visibility: Visibility, prefix: string, limit: number): Promise<UserEntity[]> {
    return this.visible(searcher, visibility)
      .andWhere("u.usernameNormalized LIKE :pattern ESCAPE '\\'", { pattern: likePrefix(prefix) })
      .orderBy('u.usernameNormalized', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** The visible user with this normalized username / id, if any. */
  one(searcher: string, visibility: Visibility, by: { usernameNormalized: string } | { id: string }): Promise<UserEntity | null> {
    const qb = this.visible(searcher, visibility);
    if ('id' in by) qb.andWhere('u.id = :id', { id: by.id });
    else qb.andWhere('u.usernameNormalized = :name', { name: by.usernameNormalized });
    return qb.getOne();
  }

  private visible(searcher: string, visibility: Visibility): SelectQueryBuilder<UserEntity> {
    const qb = this.dataSource.getRepository(UserEntity).createQueryBuilder('u').where('u.disabledAt IS NULL');
    const blockedMe = qb.subQuery().select('1').from(ContactBlockEntity, 'b').where('b.blockerId = u.id').andWhere('b.blockedId = :searcher').getQuery();
    qb.andWhere(`NOT EXISTS ${blockedMe}`, { searcher });
    if (visibility === 'contacts') {
      const related = qb.subQuery().select('1').from(ContactEntity, 'c').where('c.ownerId = :searcher').andWhere('c.peerId = u.id').getQuery();
      qb.andWhere(`(u.id = :searcher OR EXISTS ${related})`, { searcher });
    }
    return qb;
  }
}

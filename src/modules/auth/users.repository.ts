import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, Repository } from 'typeorm';
import { isSqlite, runSerializedWrite } from '../../database/write-transaction';
import { UserEntity, UserRole } from './entities/user.entity';

/** Unique-constraint violation on either engine (PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** What a directory search matches: a username prefix, an exact normalized username, or an id. */
export type DirectoryMatch = { prefix: string } | { usernameNormalized: string } | { id: string };

/** `a_b%` must match literally: escape LIKE's wildcards (usernames may hold `_`). */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

@Injectable()
export class UsersRepository {
  private readonly repo: Repository<UserEntity>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.repo = dataSource.getRepository(UserEntity);
  }

  /** Inserts; returns false when the (normalized) username is already taken. */
  async insert(user: UserEntity): Promise<boolean> {
    try {
      await this.repo.insert(user);
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByNormalizedUsername(usernameNormalized: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ usernameNormalized });
  }

  findByIds(ids: string[]): Promise<UserEntity[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.repo.findBy({ id: In(ids) });
  }

  async update(id: string, changes: Partial<Pick<UserEntity, 'displayName' | 'statusText'>>): Promise<void> {
    // Through the write queue: on SQLite a bare write could land inside another request's transaction.
    const dataSource = this.repo.manager.connection;
    await (isSqlite(dataSource) ? runSerializedWrite(dataSource, () => this.repo.update({ id }, changes)) : this.repo.update({ id }, changes));
  }

  async existingIds(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.repo.find({ select: { id: true }, where: { id: In(ids) } });
    return rows.map((r) => r.id);
  }

  /**
   * Enabled users matching `match` (a username prefix, an exact normalized username or an id),
   * minus `exclude`, and only among `only` when given, by username, at most `limit`. The filter
   * is in SQL so a page is never cut short by filtering afterwards (the directory's visibility).
   */
  searchEnabled(match: DirectoryMatch, filter: { exclude: string[]; only?: string[] }, limit: number): Promise<UserEntity[]> {
    if (filter.only && filter.only.length === 0) return Promise.resolve([]);
    const qb = this.repo.createQueryBuilder('u').where('u.disabledAt IS NULL');
    if ('prefix' in match) qb.andWhere("u.usernameNormalized LIKE :pattern ESCAPE '\\'", { pattern: likePrefix(match.prefix) });
    else if ('id' in match) qb.andWhere('u.id = :id', { id: match.id });
    else qb.andWhere('u.usernameNormalized = :name', { name: match.usernameNormalized });
    if (filter.exclude.length > 0) qb.andWhere('u.id NOT IN (:...exclude)', { exclude: filter.exclude });
    if (filter.only) qb.andWhere('u.id IN (:...only)', { only: filter.only });
    return qb.orderBy('u.usernameNormalized', 'ASC').limit(limit).getMany();
  }

  list(): Promise<UserEntity[]> {
    return this.repo.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async setRole(id: string, role: UserRole): Promise<void> {
    await this.repo.update({ id }, { role });
  }

  async setDisabledAt(id: string, disabledAt: number | null): Promise<void> {
    await this.repo.update({ id }, { disabledAt });
  }
}

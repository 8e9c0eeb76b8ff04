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
